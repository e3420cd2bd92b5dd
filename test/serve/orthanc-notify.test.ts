/**
 * Orthanc hands a study over and gets the results back into the same study: storescu sends a
 * synthetic study to Debian Orthanc (+ DICOMweb plugin); the Lua OnStableStudy script shipped in
 * docs/orthanc/ichscan-notify.lua POSTs /api/notify; ichscan pulls the study by WADO-RS, scores
 * it and sends its results to Orthanc by C-STORE and by STOW-RS; Orthanc's REST API lists them as series of the source
 * study. The results coming back re-trigger the hook: the study is not scored a second time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { ServeStore } from '../../src/serve/store/serve-store.js';
import type { WorklistEntry } from '../../src/serve/http/study-view.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { freePort, getJson, makeServeDirs, makeSynthStudies, requireBinaries, runTool, spawnServe, waitExit, waitFor, waitForEcho, WRITE_TOKEN } from './serve-helpers.js';

const ORTHANC = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

test('Orthanc Lua OnStableStudy → /api/notify → WADO-RS pull → scored → results stored back into the same Orthanc study', { timeout: 150_000 }, async (t) => {
  if (!requireBinaries(t, ['storescu', 'echoscu'])) return;
  if (!existsSync(ORTHANC) || !existsSync(DICOMWEB_PLUGIN)) {
    if (process.env['CI'] === 'true') throw new Error('Orthanc or its DICOMweb plugin missing but CI=true');
    t.skip('Orthanc / orthanc-dicomweb not installed');
    return;
  }
  const { dir, dataDir, tokenFile } = makeServeDirs('orthanc');
  const files = (await makeSynthStudies(join(dir, 'synth'), 1, 51)).sort();
  const [http, dicom, oHttp, oDicom] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // the documented Lua script, pointed at this test's ichscan
  const lua = readFileSync(join(PROJECT_ROOT, 'docs/orthanc/ichscan-notify.lua'), 'utf8')
    .replace(/^local ICHSCAN_NOTIFY_URL = .*$/m, `local ICHSCAN_NOTIFY_URL = 'http://127.0.0.1:${http}/api/notify'`)
    .replace(/^local ICHSCAN_TOKEN = .*$/m, `local ICHSCAN_TOKEN = '${WRITE_TOKEN}'`);
  assert.ok(lua.includes(String(http)) && lua.includes(WRITE_TOKEN), 'the Lua script keeps its two settings on lines of their own');
  writeFileSync(join(dir, 'ichscan-notify.lua'), lua);
  mkdirSync(join(dir, 'orthanc-db'));
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify({
    Name: 'ichscan-test', StorageDirectory: join(dir, 'orthanc-db'), IndexDirectory: join(dir, 'orthanc-db'),
    HttpPort: oHttp, DicomPort: oDicom, DicomAet: 'ORTHANC', RemoteAccessAllowed: false, AuthenticationEnabled: false,
    StableAge: 1, LuaScripts: [join(dir, 'ichscan-notify.lua')], Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' }, DicomModalities: {},
  }));
  const orthancLog: string[] = [];
  const orthanc = spawn(ORTHANC, [join(dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  orthanc.stderr.on('data', (d: Buffer) => orthancLog.push(String(d)));
  const log: string[] = [];
  const serve = spawnServe(['--data-dir', dataDir, '--token-file', tokenFile, '--http-port', String(http), '--dicom-port', String(dicom), '--stable-age', '1', '--pull-from', `http://127.0.0.1:${oHttp}/dicom-web`, '--forward-to', `ORTHANC@127.0.0.1:${oDicom}`, '--stow-to', `http://127.0.0.1:${oHttp}/dicom-web`], log);
  try {
    await waitForEcho(dicom);
    await waitForEcho(oDicom, 'ORTHANC');
    const sent = await runTool('storescu', ['-aec', 'ORTHANC', '127.0.0.1', String(oDicom), ...files]);
    assert.equal(sent.code, 0, sent.output);
    const worklist = async (): Promise<WorklistEntry[]> => ((await getJson(http, '/api/worklist').catch(() => ({ studies: [] }))) as { studies: WorklistEntry[] }).studies;
    const entry = await waitFor('the study scored and delivered to Orthanc', async () => {
      const [s] = await worklist();
      if (s?.status !== 'done') return undefined;
      const d = (await getJson(http, `/api/studies/${s.studyInstanceUid}`)) as { deliveries: { state: string; destination: string }[]; results: { kind: string; sopInstanceUid: string }[]; instances: number };
      return d.deliveries.length === 2 && d.deliveries.every((x) => x.state === 'delivered') ? d : undefined;
    }, 120_000, 500);
    assert.equal(entry.instances, files.length, 'every instance pulled by WADO-RS');
    assert.deepEqual(entry.deliveries.map((d) => d.destination.split(':')[0]).sort(), [`ORTHANC@127.0.0.1`, 'stow'], 'delivered by C-STORE and by STOW-RS');
    // Orthanc holds every result instance (sent twice, stored once: same SOP Instance UIDs)
    for (const r of entry.results) {
      const found = (await (await fetch(`http://127.0.0.1:${oHttp}/tools/find`, { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: r.sopInstanceUid } }) })).json()) as string[];
      assert.equal(found.length, 1, `${r.kind} in Orthanc`);
    }
    // Orthanc: one study, holding the CT series and ichscan's result series
    const studies = (await (await fetch(`http://127.0.0.1:${oHttp}/studies`)).json()) as string[];
    assert.equal(studies.length, 1, 'results filed under the source study');
    const series = (await (await fetch(`http://127.0.0.1:${oHttp}/studies/${studies[0]}/series?expand`)).json()) as { MainDicomTags: { Modality: string } }[];
    const modalities = series.map((s) => s.MainDicomTags.Modality).sort();
    assert.ok(modalities.includes('CT') && modalities.includes('SR'), `Orthanc series: ${modalities.join(', ')}`);
    assert.equal(series.length, 1 + new Set(entry.results.map((r) => r.kind)).size);
    // the results stored back re-trigger OnStableStudy: wait past another stable age + poll, nothing re-scored
    await new Promise((r) => setTimeout(r, 5000));
    assert.ok((log.join('').match(/"msg":"study pulled"/g) ?? []).length >= 2, 'Orthanc notified again once the results were stored back');
    serve.kill('SIGTERM');
    await waitExit(serve);
    const store = new ServeStore(join(dataDir, 'ichscan.db'));
    try {
      const [row] = store.worklist(5);
      assert.equal(row?.status, 'done');
      assert.equal((store.db.prepare('SELECT runs FROM jobs').get() as { runs: number }).runs, 1, 'scored once: its own results coming back do not re-open the study');
      assert.equal(store.countResults(row?.study_uid ?? ''), 1);
    } finally {
      store.close();
    }
  } finally {
    serve.kill('SIGTERM');
    orthanc.kill('SIGTERM');
    await waitExit(serve);
    await waitExit(orthanc);
  }
});
