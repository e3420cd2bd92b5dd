/**
 * DICOM TLS between `ichscan serve` and real peers (certificates from a test CA made by openssl):
 * dcmtk echoscu/storescu +tls associate and send a study; plain DICOM, anonymous TLS and a
 * certificate from another CA are refused at the handshake and counted; the results go to dcmtk
 * storescp +tls; a destination whose certificate names another host, or comes from no CA we
 * trust, gets nothing. Then
 * Orthanc with DicomTlsEnabled sends a study to ichscan over TLS and gets the results back over TLS.
 * And the service certificate's check at start (expiry metric, warning, refusal when expired).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { spawn, type ChildProcess } from 'node:child_process';
import type { WorklistEntry } from '../../src/serve/http/study-view.js';
import { freePort, makeServeDirs, makeSynthStudies, READ_TOKEN, requireBinaries, runTool, spawnServe, waitExit, waitFor, WRITE_TOKEN } from './serve-helpers.js';
import { makeTestPki, type TestPki } from './tls-pki.js';
import { checkServiceCertificate } from '../../src/serve/tls-certificate.js';
import { isIchError } from '../../src/core/errors.js';

const ORTHANC = '/usr/sbin/Orthanc';

/** GET over HTTPS, trusting only the test CA (with TLS on, the API is HTTPS too). */
function getJsonTls(port: number, path: string, ca: string, token = READ_TOKEN): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: readFileSync(ca), headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(res.headers['content-type']?.includes('json') ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : Buffer.concat(chunks).toString('utf8'));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

type StudyDetail = { studyInstanceUid: string; status: string; instances: number; results: { kind: string; sopInstanceUid: string }[]; deliveries: { destination: string; state: string; error: { code: string; message: string } | null }[] };

async function studyDetails(http: number, ca: string): Promise<StudyDetail[]> {
  try {
    const wl = ((await getJsonTls(http, '/api/worklist', ca)) as { studies: WorklistEntry[] }).studies;
    return await Promise.all(wl.map((s) => getJsonTls(http, `/api/studies/${s.studyInstanceUid}`, ca) as Promise<StudyDetail>));
  } catch {
    return [];
  }
}

function tlsArgs(pki: TestPki, name: string): string[] {
  const l = pki.leaf[name] as { cert: string; key: string };
  return ['+tls', l.key, l.cert, '+cf', pki.ca];
}

function serveTlsArgs(pki: TestPki, dataDir: string, tokenFile: string, http: number, dicom: number, forward: string[]): string[] {
  const me = pki.leaf['ichscan'] as { cert: string; key: string };
  return ['--data-dir', dataDir, '--token-file', tokenFile, '--http-port', String(http), '--dicom-port', String(dicom), '--stable-age', '1', '--tls-cert', me.cert, '--tls-key', me.key, '--dicom-tls', '--dicom-tls-ca', pki.ca, ...forward.flatMap((f) => ['--forward-to', f])];
}

async function waitForTlsEcho(pki: TestPki, port: number, aeTitle: string, client = 'sender'): Promise<void> {
  await waitFor('C-ECHO over TLS', async () => ((await runTool('echoscu', [...tlsArgs(pki, client), '-aec', aeTitle, '127.0.0.1', String(port)])).code === 0 ? true : undefined), 60_000, 500);
}

function startTlsStorescp(pki: TestPki, leaf: string, aeTitle: string, port: number, dir: string): ChildProcess {
  return spawn('storescp', [...tlsArgs(pki, leaf), '-aet', aeTitle, '-od', dir, String(port)], { stdio: 'ignore' });
}

test('DICOM TLS with dcmtk: +tls peers in and out; plain, anonymous and foreign-CA peers refused at the handshake', { timeout: 150_000 }, async (t) => {
  if (!requireBinaries(t, ['storescu', 'echoscu', 'storescp', 'openssl'])) return;
  const { dir, dataDir, tokenFile } = makeServeDirs('dicom-tls');
  const pki = makeTestPki(dir, { ichscan: undefined, sender: undefined, pacs: undefined, elsewhere: 'DNS:elsewhere.example' });
  const files = await makeSynthStudies(join(dir, 'synth'), 1, 71);
  const [http, dicom, pacsPort, wrongPort, foreignPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const [pacsDir, wrongDir, foreignDir] = ['pacs', 'wrong', 'foreign'].map((d) => join(dir, d)) as [string, string, string];
  for (const d of [pacsDir, wrongDir, foreignDir]) mkdirSync(d);
  // the PACS; a node whose certificate (from our CA) names another host; one with a self-signed certificate
  const pacs = startTlsStorescp(pki, 'pacs', 'PACS', pacsPort, pacsDir);
  const wrong = startTlsStorescp(pki, 'elsewhere', 'WRONG', wrongPort, wrongDir);
  const foreign = startTlsStorescp(pki, 'rogue', 'FOREIGN', foreignPort, foreignDir);
  const log: string[] = [];
  const serve = spawnServe(serveTlsArgs(pki, dataDir, tokenFile, http, dicom, [`tls:PACS@127.0.0.1:${pacsPort}`, `tls:WRONG@127.0.0.1:${wrongPort}`, `tls:FOREIGN@127.0.0.1:${foreignPort}`]), log);
  try {
    await waitForTlsEcho(pki, dicom, 'ICHSCAN');
    // refused before any association: plain DICOM, TLS without a certificate, a self-signed certificate
    const plain = await runTool('echoscu', ['-aec', 'ICHSCAN', '127.0.0.1', String(dicom)]);
    const anonymous = await runTool('echoscu', ['+tla', '+cf', pki.ca, '-aec', 'ICHSCAN', '127.0.0.1', String(dicom)]);
    const rogue = await runTool('echoscu', [...tlsArgs(pki, 'rogue'), '-aec', 'ICHSCAN', '127.0.0.1', String(dicom)]);
    const plainStore = await runTool('storescu', ['-aec', 'ICHSCAN', '127.0.0.1', String(dicom), ...files]);
    for (const [what, r] of Object.entries({ plain, anonymous, rogue, plainStore })) assert.notEqual(r.code, 0, `${what} should be refused: ${r.output}`);
    assert.ok((await studyDetails(http, pki.ca)).length === 0, 'nothing from the plain storescu was filed');
    const sent = await runTool('storescu', [...tlsArgs(pki, 'sender'), '-aec', 'ICHSCAN', '127.0.0.1', String(dicom), ...files]);
    assert.equal(sent.code, 0, sent.output);
    const [study] = await waitFor('scored, delivered over TLS, the wrong host tried', async () => {
      const ds = await studyDetails(http, pki.ca);
      const d = ds[0];
      if (ds.length !== 1 || d?.status !== 'done') return undefined;
      const ok = d.deliveries.find((x) => x.destination === `tls:PACS@127.0.0.1:${pacsPort}`);
      const bad = d.deliveries.filter((x) => x.destination !== `tls:PACS@127.0.0.1:${pacsPort}` && x.error);
      return ok?.state === 'delivered' && bad.length === 2 ? ds : undefined;
    }, 120_000, 500);
    assert.ok(study);
    assert.equal(study.instances, files.length);
    const received = readdirSync(pacsDir);
    for (const r of study.results) assert.ok(received.some((f) => f.endsWith(r.sopInstanceUid)), `${r.kind} not received by storescp +tls`);
    const bad = study.deliveries.find((x) => x.destination.startsWith('tls:WRONG'));
    assert.notEqual(bad?.state, 'delivered');
    assert.equal(bad?.error?.code, 'ICH_E_DELIVERY');
    assert.match(bad?.error?.message ?? '', /tls:WRONG@127\.0\.0\.1:\d+: network error: .*altnames/i);
    const foreign = study.deliveries.find((x) => x.destination.startsWith('tls:FOREIGN'));
    assert.notEqual(foreign?.state, 'delivered');
    assert.match(foreign?.error?.message ?? '', /tls:FOREIGN@127\.0\.0\.1:\d+: network error: .*self[- ]signed/i);
    assert.deepEqual(readdirSync(foreignDir), [], 'nothing sent to a node whose certificate is not from our CA');
    assert.deepEqual(readdirSync(wrongDir), [], 'nothing sent to a node whose certificate names another host');
    const metrics = String(await getJsonTls(http, '/metrics', pki.ca, WRITE_TOKEN));
    assert.match(metrics, /ichscan_dicom_tls_handshakes_refused_total 4\b/);
    // our certificate's expiry as a gauge (the test CA's leaves are valid 2 days)
    const expiry = Number(/ichscan_tls_certificate_expiry_timestamp_seconds (\d+)/.exec(metrics)?.[1]);
    assert.ok(Math.abs(expiry - (Date.now() / 1000 + 2 * 86400)) < 3600, `expiry ${expiry}`);
    assert.match(log.join(''), /"daysLeft":1,.*"msg":"the TLS certificate expires soon"/);
    assert.match(metrics, new RegExp(`ichscan_instances_received_total\\{via="dimse"\\} ${files.length}\\b`));
    assert.ok(!log.join('').includes(study.studyInstanceUid), 'a StudyInstanceUID appeared in the log');
  } finally {
    serve.kill('SIGTERM');
    pacs.kill('SIGTERM');
    wrong.kill('SIGTERM');
    foreign.kill('SIGTERM');
    await waitExit(serve);
  }
});

test('DICOM TLS with Orthanc (DicomTlsEnabled): Orthanc sends a study over TLS, the results come back over TLS', { timeout: 150_000 }, async (t) => {
  if (!requireBinaries(t, ['echoscu', 'openssl'])) return;
  if (!existsSync(ORTHANC)) {
    if (process.env['CI'] === 'true') throw new Error('Orthanc missing but CI=true');
    t.skip('Orthanc not installed');
    return;
  }
  const { dir, dataDir, tokenFile } = makeServeDirs('dicom-tls-orthanc');
  const pki = makeTestPki(dir, { ichscan: undefined, sender: undefined, orthanc: undefined });
  const files = await makeSynthStudies(join(dir, 'synth'), 1, 72);
  const [http, dicom, oHttp, oDicom] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const o = pki.leaf['orthanc'] as { cert: string; key: string };
  mkdirSync(join(dir, 'orthanc-db'));
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify({
    Name: 'ichscan-tls-test', StorageDirectory: join(dir, 'orthanc-db'), IndexDirectory: join(dir, 'orthanc-db'),
    HttpPort: oHttp, DicomPort: oDicom, DicomAet: 'ORTHANC', RemoteAccessAllowed: false, AuthenticationEnabled: false,
    DicomTlsEnabled: true, DicomTlsCertificate: o.cert, DicomTlsPrivateKey: o.key, DicomTlsTrustedCertificates: pki.ca,
    DicomTlsRemoteCertificateRequired: true,
    DicomModalities: { ICHSCAN: { AET: 'ICHSCAN', Host: '127.0.0.1', Port: dicom, UseDicomTls: true } },
  }));
  const orthancLog: string[] = [];
  const orthanc = spawn(ORTHANC, [join(dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  orthanc.stderr.on('data', (d: Buffer) => orthancLog.push(String(d)));
  const log: string[] = [];
  const serve = spawnServe(serveTlsArgs(pki, dataDir, tokenFile, http, dicom, [`tls:ORTHANC@127.0.0.1:${oDicom}`]), log);
  try {
    await waitForTlsEcho(pki, dicom, 'ICHSCAN');
    await waitForTlsEcho(pki, oDicom, 'ORTHANC');
    // the study enters Orthanc by its REST API, then Orthanc C-STOREs it to ichscan over TLS
    let orthancStudy = '';
    for (const f of files) {
      const r = (await (await fetch(`http://127.0.0.1:${oHttp}/instances`, { method: 'POST', body: readFileSync(f) })).json()) as { ParentStudy: string };
      orthancStudy = r.ParentStudy;
    }
    const store = await fetch(`http://127.0.0.1:${oHttp}/modalities/ICHSCAN/store`, { method: 'POST', body: orthancStudy });
    assert.equal(store.status, 200, `${await store.text()}\n${orthancLog.join('').slice(-2000)}`);
    const entry = await waitFor('scored and delivered to Orthanc over TLS', async () => {
      const [d] = await studyDetails(http, pki.ca);
      return d?.status === 'done' && d.deliveries[0]?.state === 'delivered' ? d : undefined;
    }, 120_000, 500);
    assert.equal(entry.instances, files.length, 'every instance Orthanc sent over TLS was filed');
    for (const r of entry.results) {
      const found = (await (await fetch(`http://127.0.0.1:${oHttp}/tools/find`, { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: r.sopInstanceUid } }) })).json()) as string[];
      assert.equal(found.length, 1, `${r.kind} stored in Orthanc over TLS`);
    }
    const series = (await (await fetch(`http://127.0.0.1:${oHttp}/studies/${orthancStudy}/series?expand`)).json()) as { MainDicomTags: { Modality: string } }[];
    assert.ok(series.some((s) => s.MainDicomTags.Modality === 'SR'), 'the SR filed under the source study');
    // Orthanc's TLS port refuses plain DICOM too: the association really was TLS
    assert.notEqual((await runTool('echoscu', ['-aec', 'ORTHANC', '127.0.0.1', String(oDicom)])).code, 0);
  } finally {
    serve.kill('SIGTERM');
    orthanc.kill('SIGTERM');
    await waitExit(serve);
    await waitExit(orthanc);
  }
});

test('the service certificate: days left; expired, not yet valid or not a certificate is ICH_E_CONFIG naming the file', (t) => {
  if (!requireBinaries(t, ['openssl'])) return;
  const dir = makeServeDirs('cert-check').dir;
  const pki = makeTestPki(dir, { ichscan: undefined });
  const cert = (pki.leaf['ichscan'] as { cert: string }).cert;
  const now = Date.now();
  const facts = checkServiceCertificate(cert, now);
  assert.ok(facts.daysLeft === 1 || facts.daysLeft === 2, `valid 2 days from a moment ago: 1 whole day left (${facts.daysLeft})`);
  assert.ok(Math.abs(facts.notAfterMs - (now + 2 * 86400_000)) < 3600_000);
  assert.throws(() => checkServiceCertificate(cert, now + 3 * 86400_000), (e) => isIchError(e, 'ICH_E_CONFIG') && e.file === cert && /expired on \d{4}-/.test(e.message));
  assert.throws(() => checkServiceCertificate(cert, now - 86400_000), (e) => isIchError(e, 'ICH_E_CONFIG') && /not valid before/.test(e.message));
  const key = (pki.leaf['ichscan'] as { key: string }).key;
  assert.throws(() => checkServiceCertificate(key, now), (e) => isIchError(e, 'ICH_E_CONFIG') && e.file === key && /not a readable PEM certificate/.test(e.message));
});
