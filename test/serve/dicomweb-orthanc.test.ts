/**
 * A real DICOMweb client: Debian Orthanc 1.10 + its DICOMweb plugin configured with ichscan as a
 * remote server (`DicomWeb.Servers`, the bearer token sent through the server's `HttpHeaders`)
 * retrieves a study ichscan scored (`POST /dicom-web/servers/ichscan/retrieve`, a WADO-RS study
 * retrieve). Every instance — the CT and ichscan's results — arrives in Orthanc, byte-identical
 * SOP Instance UIDs; a server entry without the token is refused (nothing arrives).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startService } from '../../src/serve/start-service.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { freePort, makeServeDirs, makeSynthStudies, READ_TOKEN, waitExit, waitFor, WRITE_TOKEN } from './serve-helpers.js';
import { resolveConfig } from '../../src/serve/config.js';

const ORTHANC = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

test('Orthanc retrieves a scored study from ichscan over WADO-RS (bearer token via DicomWeb.Servers HttpHeaders)', { timeout: 240_000 }, async (t) => {
  if (!existsSync(ORTHANC) || !existsSync(DICOMWEB_PLUGIN)) {
    if (process.env['CI'] === 'true') throw new Error('Orthanc or its DICOMweb plugin missing but CI=true');
    t.skip('Orthanc / orthanc-dicomweb not installed (apt-get install orthanc orthanc-dicomweb)');
    return;
  }
  const { dir, dataDir, tokenFile } = makeServeDirs('orthanc-wado');
  const files = (await makeSynthStudies(join(dir, 'synth'), 1, 7, [12, 12])).sort();
  const service = await startService(resolveConfig({}, { dataDir, tokenFile, httpPort: 0, dicomPort: null, stableAgeS: 0 }, PROJECT_ROOT), { logLevel: 'silent', cwd: PROJECT_ROOT });
  const base = `http://127.0.0.1:${service.httpPort}`;
  const [oHttp, oDicom] = [await freePort(), await freePort()];
  mkdirSync(join(dir, 'orthanc-db'));
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify({
    Name: 'ichscan-wado-test', StorageDirectory: join(dir, 'orthanc-db'), IndexDirectory: join(dir, 'orthanc-db'),
    HttpPort: oHttp, DicomPort: oDicom, RemoteAccessAllowed: false, AuthenticationEnabled: false, Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: {
      Enable: true, Root: '/dicom-web/',
      Servers: {
        ichscan: { Url: `${base}/dicomweb/`, HttpHeaders: { Authorization: `Bearer ${READ_TOKEN}` } },
        'ichscan-no-token': { Url: `${base}/dicomweb/` },
      },
    },
  }));
  const orthancLog: string[] = [];
  const orthanc = spawn(ORTHANC, [join(dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  orthanc.stderr.on('data', (d: Buffer) => orthancLog.push(String(d)));
  const o = (path: string, init?: RequestInit): Promise<Response> => fetch(`http://127.0.0.1:${oHttp}${path}`, init);
  try {
    // the study in, scored
    const b = 'b';
    const body = Buffer.concat([...files.flatMap((f) => [Buffer.from(`--${b}\r\nContent-Type: application/dicom\r\n\r\n`), readFileSync(f), Buffer.from('\r\n')]), Buffer.from(`--${b}--\r\n`)]);
    assert.equal((await fetch(`${base}/dicomweb/studies`, { method: 'POST', body, headers: { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${b}` } })).status, 200);
    const detail = await waitFor('scored', async () => {
      const [s] = ((await (await fetch(`${base}/api/worklist`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as { studies: { studyInstanceUid: string; status: string }[] }).studies;
      if (s?.status !== 'done') return undefined;
      return (await (await fetch(`${base}/api/studies/${s.studyInstanceUid}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as { studyInstanceUid: string; slices: { sopInstanceUid: string }[]; results: { kind: string; sopInstanceUid: string }[] };
    }, 180_000, 300);
    await waitFor('Orthanc up', async () => ((await o('/system').catch(() => undefined))?.ok ? true : undefined), 30_000, 200);
    // without the token: ichscan refuses, Orthanc stores nothing
    const refused = await o('/dicom-web/servers/ichscan-no-token/retrieve', { method: 'POST', body: JSON.stringify({ Resources: [{ Study: detail.studyInstanceUid }] }) });
    assert.notEqual(refused.status, 200, 'a retrieve without the token fails');
    assert.deepEqual(await (await o('/instances')).json(), [], 'nothing stored without the token');
    // with the token in HttpHeaders: every instance arrives
    const r = await o('/dicom-web/servers/ichscan/retrieve', { method: 'POST', body: JSON.stringify({ Resources: [{ Study: detail.studyInstanceUid }] }) });
    assert.equal(r.status, 200, `${await r.text()}\n${orthancLog.join('').slice(-2000)}`);
    const wanted = [...detail.slices.map((s) => s.sopInstanceUid), ...detail.results.map((x) => x.sopInstanceUid)];
    assert.equal(wanted.length, files.length + detail.results.length);
    for (const sop of wanted) {
      const found = (await (await o('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: sop } }) })).json()) as string[];
      assert.equal(found.length, 1, `instance ${sop} in Orthanc`);
    }
    const studies = (await (await o('/studies?expand')).json()) as { MainDicomTags: { StudyInstanceUID: string }; Series: string[] }[];
    assert.equal(studies.length, 1);
    assert.equal(studies[0]?.MainDicomTags.StudyInstanceUID, detail.studyInstanceUid);
    assert.equal(studies[0]?.Series.length, 1 + new Set(detail.results.map((x) => x.kind)).size, 'the CT series and each result series');
    // Orthanc's copy is the file ichscan stored (same bytes as sent)
    const [ctId] = (await (await o('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: detail.slices[0]?.sopInstanceUid } }) })).json()) as string[];
    const copy = Buffer.from(await (await o(`/instances/${ctId}/file`)).arrayBuffer());
    assert.ok(files.some((f) => readFileSync(f).equals(copy)), 'Orthanc holds the very file sent to ichscan');
  } finally {
    orthanc.kill('SIGTERM');
    await waitExit(orthanc);
    await service.close();
  }
});
