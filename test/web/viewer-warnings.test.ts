/**
 * The viewer shows a study's warnings — a caution mark on its worklist row, the text on the verdict
 * card — in Debian chromium: a synthetic study
 * made "contrast-enhanced" by dcmtk's dcmodify (ContrastBolusAgent set) is the only series of its
 * study, so the service scores it and says so; a plain study shows no warning.
 * Screenshots: test-artifacts/viewer/contrast-worklist.png, contrast-warning.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeSynthStudies, makeTempDir, READ_TOKEN } from '../serve/serve-helpers.js';
import { artifactsDir, getApi, groupByStudy, launchChromium, requireChromium, startViewerService, stowFiles, waitScored } from './viewer-helpers.js';

test('viewer: a contrast-enhanced study carries its warning on the worklist and the verdict card; a plain one none', { timeout: 240_000 }, async (t) => {
  if (!requireChromium(t)) return;
  if (spawnSync('sh', ['-c', 'command -v dcmodify']).status !== 0) {
    if (process.env['CI'] === 'true') throw new Error('dcmodify (dcmtk) missing but CI=true');
    t.skip('dcmtk not installed');
    return;
  }
  const [[enhancedUid, enhanced], [plainUid, plain]] = [...groupByStudy(await makeSynthStudies(join(makeTempDir('viewer-contrast'), 'synth'), 2, 41, [12, 12])).entries()] as [[string, string[]], [string, string[]]];
  const mod = spawnSync('dcmodify', ['-nb', '-i', '(0018,0010)=ISOVUE300/100', ...enhanced], { encoding: 'utf8' });
  assert.equal(mod.status, 0, mod.stderr);
  const svc = await startViewerService('viewer-contrast');
  const browser = await launchChromium();
  try {
    await stowFiles(svc.httpPort, [...enhanced, ...plain]);
    await waitScored(svc.httpPort, [enhancedUid, plainUid], 180_000);
    const detail = await getApi<{ warnings: string[] }>(svc.httpPort, `/api/studies/${enhancedUid}`);
    assert.equal(detail.warnings.length, 1);
    assert.match(detail.warnings[0] ?? '', /^contrast-enhanced series \(ContrastBolusAgent "ISOVUE300\/100"\)/);
    const list = await getApi<{ studies: { studyInstanceUid: string; warnings: string[] }[] }>(svc.httpPort, '/api/worklist');
    assert.deepEqual(list.studies.find((s) => s.studyInstanceUid === enhancedUid)?.warnings, detail.warnings, 'the worklist entry carries them too');
    assert.deepEqual(list.studies.find((s) => s.studyInstanceUid === plainUid)?.warnings, []);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const base = `http://127.0.0.1:${svc.httpPort}`;
    // the worklist: a caution mark on the enhanced study's row only, its title the warning
    await page.goto(`${base}/#token=${READ_TOKEN}`);
    await page.waitForSelector(`#worklist tr[data-uid="${enhancedUid}"] .caution`);
    assert.equal(await page.$(`#worklist tr[data-uid="${plainUid}"] .caution`), null);
    assert.match((await page.getAttribute(`#worklist tr[data-uid="${enhancedUid}"] .caution`, 'title')) ?? '', /^contrast-enhanced series/);
    mkdirSync(artifactsDir(), { recursive: true });
    await page.screenshot({ path: join(artifactsDir(), 'contrast-worklist.png') });
    await page.goto(`${base}/studies/${enhancedUid}`);
    await page.waitForSelector('#ct-canvas[data-draws]');
    const shown = await page.textContent('#verdict-warnings');
    assert.match(shown ?? '', /contrast-enhanced series \(ContrastBolusAgent "ISOVUE300\/100"\): the model reads non-contrast head CT/);
    await page.screenshot({ path: join(artifactsDir(), 'contrast-warning.png') });
    await page.goto(`${base}/studies/${plainUid}`);
    await page.waitForSelector('#ct-canvas[data-draws]');
    assert.equal(await page.$('#verdict-warnings'), null, 'no warning on a plain study');
  } finally {
    await browser.close();
    await svc.close();
  }
});
