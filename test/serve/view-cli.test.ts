/**
 * `ichscan view` end to end as a child process: a synthetic folder in, `--json` parsed, the
 * worklist fetched with the run's token (taken from the URL fragment), the printed URL opened in
 * Debian chromium (the viewer logs in from the fragment; screenshot in test-artifacts/viewer/), SIGTERM → exit 0. The
 * input files are unchanged (SHA-256 before and after), the token appears in no file of the data
 * dir and not on stderr, a temp data dir is removed on exit and a given one kept; --help lists every flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { runCliCaptured } from '../helpers/cli.js';
import { makeSynthStudies, makeTempDir, waitExit, waitFor } from './serve-helpers.js';
import { artifactsDir, launchChromium, readWorklistOrder, requireChromium } from '../web/viewer-helpers.js';

function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    if (statSync(p).isFile()) out.set(name, createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((n) => join(dir, n)).filter((p) => statSync(p).isFile());
}

test('view --help: every flag with a help line', async () => {
  const h = await runCliCaptured(['view', '--help']);
  assert.equal(h.code, 0);
  for (const f of ['--port <n>', '--data-dir <dir>', '--model <dir|name>', '--json']) assert.ok(h.stdout.includes(f), f);
  assert.match((await runCliCaptured(['--help'])).stdout, /view\s+Score DICOM files/);
  const none = await runCliCaptured(['view']);
  assert.equal(none.code, 2, 'no input: usage error');
});

test('ichscan view <folder> <file> --json: scored, served with its token, opened in Chromium, SIGTERM exits 0, inputs unchanged, token never on disk', { timeout: 240_000 }, async (t) => {
  const work = makeTempDir('view-cli');
  await makeSynthStudies(join(work, 'in'), 2, 21, [10, 11]);
  writeFileSync(join(work, 'in', 'README.txt'), 'not DICOM: refused and counted');
  const before = hashTree(join(work, 'in'));
  const kept = join(work, 'kept-data');
  for (const dataDir of [undefined, kept]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/src/cli/main.js'), 'view', join(work, 'in', 'images'), join(work, 'in', 'README.txt'), '--json', '--threads', '1', ...(dataDir ? ['--data-dir', dataDir] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => stdout.push(String(d)));
    child.stderr.on('data', (d: Buffer) => stderr.push(String(d)));
    try {
      const line = await waitFor('the --json line', () => (stdout.join('').includes('\n') ? stdout.join('').split('\n')[0] : undefined), 200_000, 200);
      const out = JSON.parse(line) as { url: string; port: number; dataDir: string; studies: { studyInstanceUid: string; status: string; warnings: string[] }[] };
      assert.equal(out.studies.length, 2);
      assert.ok(out.studies.every((s) => s.status === 'done'), JSON.stringify(out.studies));
      assert.ok(out.studies.every((s) => Array.isArray(s.warnings) && s.warnings.length === 0), 'synthetic non-contrast studies carry no warning');
      const url = new URL(out.url);
      assert.equal(url.hostname, '127.0.0.1');
      assert.equal(Number(url.port), out.port);
      const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
      assert.ok(token.length >= 24, 'a fresh token in the fragment');
      const wl = await fetch(`http://127.0.0.1:${out.port}/api/worklist`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(wl.status, 200);
      assert.deepEqual(((await wl.json()) as { studies: { studyInstanceUid: string }[] }).studies.map((s) => s.studyInstanceUid).sort(), out.studies.map((s) => s.studyInstanceUid).sort());
      assert.equal((await fetch(`http://127.0.0.1:${out.port}/api/worklist`)).status, 401);
      // the printed URL opened as a user would: the viewer takes the token from the fragment, drops
      // it from the address bar and shows both studies in the worklist
      if (!dataDir && requireChromium(t)) {
        const browser = await launchChromium();
        try {
          const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
          await page.goto(out.url);
          const rows = page.locator('#worklist tbody tr[data-uid]');
          await waitFor('two worklist rows', async () => ((await rows.count()) === 2 ? true : undefined), 30_000, 200);
          assert.deepEqual((await readWorklistOrder(page)).sort(), out.studies.map((s) => s.studyInstanceUid).sort());
          assert.ok(!page.url().includes('token='), `the token left the address bar: ${page.url()}`);
          mkdirSync(artifactsDir(), { recursive: true });
          await page.screenshot({ path: join(artifactsDir(), 'view-cli-worklist.png') });
        } finally {
          await browser.close();
        }
      }
      assert.match(stderr.join(''), /files in \([0-9.]+ files\/s\)/, 'ingest progress with a rate');
      assert.match(stderr.join(''), /1 file\(s\) refused: ICH_E_NOT_DICOM/);
      assert.ok(!stderr.join('').includes(token), 'the token is not logged');
      for (const f of filesUnder(out.dataDir)) assert.ok(!readFileSync(f).includes(Buffer.from(token)), `token found in ${f}`);
      if (dataDir) assert.equal(out.dataDir, dataDir);
      child.kill('SIGTERM');
      await waitExit(child);
      assert.equal(child.exitCode, 0, stderr.join('').slice(-2000));
      assert.equal(existsSync(out.dataDir), dataDir !== undefined, dataDir ? 'a given data dir is kept' : 'the temp data dir is removed');
      assert.deepEqual(hashTree(join(work, 'in')), before, 'input files unchanged, none moved');
    } finally {
      child.kill('SIGKILL');
      await waitExit(child);
    }
  }
});
