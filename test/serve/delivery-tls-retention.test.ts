/**
 * Delivery state per destination against a real dcmtk storescp (refused while it is down: retried
 * with back-off, failed with ICH_E_DELIVERY after maxDeliveryAttempts; delivered once it is up);
 * HTTPS when given a certificate (openssl self-signed); retention of received images; and
 * POST /api/notify's coded refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { deliveryNames } from '../../src/serve/pipeline/forward-results.js';
import { relatedBoundary, splitMultipart } from '../../src/serve/http/parse-multipart.js';
import { createServeContext } from '../../src/serve/context.js';
import { forwardDueResults } from '../../src/serve/pipeline/forward-results.js';
import { purgeExpiredInstances } from '../../src/serve/retention.js';
import { buildApp } from '../../src/serve/http/build-app.js';
import { freePort, hasBinary, makeSynthStudies, makeTempDir, READ_TOKEN, requireBinaries, startStorescp, testConfig, waitExit, waitFor, WRITE_TOKEN } from './serve-helpers.js';

const synth = await makeSynthStudies(join(makeTempDir('delivery-synth'), 'synth'), 1, 61, [10, 10]);

test('delivery: refused → retried with back-off → failed with ICH_E_DELIVERY; re-opened and delivered to storescp', { timeout: 60_000 }, async (t) => {
  if (!requireBinaries(t, ['storescp'])) return;
  const port = await freePort();
  const config = testConfig('delivery', { forwardTo: [{ aeTitle: 'PACS', host: '127.0.0.1', port }], maxDeliveryAttempts: 2, retryBaseMs: 100 });
  const ctx = createServeContext(config, 'silent');
  try {
    // a finished study whose "results" are two CT files placed in the data dir
    mkdirSync(join(config.dataDir, 'results', 'x'), { recursive: true });
    const files = synth.slice(0, 2).map((f, i) => {
      const rel = join('results', 'x', `r${i}.dcm`);
      writeFileSync(join(config.dataDir, rel), readFileSync(f));
      return { kind: 'sc', sopInstanceUid: `1.${i}`, seriesInstanceUid: '1.9', path: rel };
    });
    ctx.store.saveResult('1.2.3', '1.9', 'v', {}, files, 0);
    ctx.store.openDeliveries('1.2.3', [`PACS@127.0.0.1:${port}`], 0);
    assert.equal(await forwardDueResults(ctx, Date.now()), 1);
    let [d] = ctx.store.deliveriesOf('1.2.3');
    assert.equal(d?.state, 'pending');
    assert.equal(d?.attempts, 1);
    assert.equal(d?.error_code, 'ICH_E_DELIVERY');
    assert.equal(await forwardDueResults(ctx, Date.now()), 0, 'backing off');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(await forwardDueResults(ctx, Date.now()), 1);
    [d] = ctx.store.deliveriesOf('1.2.3');
    assert.equal(d?.state, 'failed');
    assert.match(d?.error_message ?? '', /PACS@127\.0\.0\.1/);
    assert.equal(ctx.metrics.deliveryFailures, 2);
    // the PACS comes up; the delivery is opened again (as a re-scored study does) and goes through
    const pacsDir = join(makeTempDir('pacs'), 'in');
    mkdirSync(pacsDir);
    const pacs = startStorescp('PACS', port, pacsDir);
    try {
      ctx.store.openDeliveries('1.2.3', [`PACS@127.0.0.1:${port}`], 0);
      await waitFor('delivered', async () => {
        await forwardDueResults(ctx, Date.now() + 60_000);
        return ctx.store.deliveriesOf('1.2.3')[0]?.state === 'delivered' ? true : undefined;
      }, 20_000, 300);
      assert.equal(readdirSync(pacsDir).length, 2);
    } finally {
      pacs.kill('SIGTERM');
      await waitExit(pacs);
    }
  } finally {
    ctx.store.close();
  }
});

test('STOW-RS destination and webhook: results posted as multipart/related, flagged studies as JSON; a 500 is retried', { timeout: 30_000 }, async () => {
  const received: { path: string; type: string; body: Buffer; auth: string | undefined }[] = [];
  let failNext = true;
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/hook' && failNext) {
        failNext = false;
        res.writeHead(500).end();
        return;
      }
      received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks), auth: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const config = testConfig('http-delivery', { stowTo: [`http://user:secret@127.0.0.1:${port}/dicom-web`], webhook: `http://127.0.0.1:${port}/hook`, retryBaseMs: 50 });
  const ctx = createServeContext(config, 'silent');
  try {
    assert.deepEqual(deliveryNames(config, false), [`stow:http://127.0.0.1:${port}/dicom-web`], 'no webhook for a study that is not flagged; no password in the name');
    const names = deliveryNames(config, true);
    assert.equal(names.length, 2);
    mkdirSync(join(config.dataDir, 'results', 'y'), { recursive: true });
    const files = synth.slice(0, 2).map((f, i) => {
      const rel = join('results', 'y', `r${i}.dcm`);
      writeFileSync(join(config.dataDir, rel), readFileSync(f));
      return { kind: 'sr', sopInstanceUid: `2.${i}`, seriesInstanceUid: '2.9', path: rel };
    });
    ctx.store.recordInstance({ sop_uid: '9.1', study_uid: '9.8.7', series_uid: '9.2', path: '/x', bytes: 1, header: {} }, 0);
    ctx.store.queueStableStudies(1, 0);
    ctx.store.claimJob(1);
    ctx.store.saveResult('9.8.7', '2.9', 'v', {}, files, 2);
    ctx.store.finishJob('9.8.7', { seriesUid: '2.9', flagged: true, anyProbability: 0.93, subtypes: ['subdural'], volumeMl: 12.5 }, 2);
    ctx.store.openDeliveries('9.8.7', names, 0);
    await waitFor('both delivered', async () => {
      await forwardDueResults(ctx, Date.now());
      return ctx.store.deliveriesOf('9.8.7').every((d) => d.state === 'delivered') ? true : undefined;
    }, 10_000, 100);
    const stow = received.find((r) => r.path === '/dicom-web/studies');
    assert.ok(stow);
    assert.equal(stow.auth, `Basic ${Buffer.from('user:secret').toString('base64')}`);
    const parts = splitMultipart(stow.body, relatedBoundary(stow.type));
    assert.deepEqual(parts.map((p) => p.body.length), synth.slice(0, 2).map((f) => readFileSync(f).length));
    const hook = received.find((r) => r.path === '/hook');
    assert.ok(hook);
    const payload = JSON.parse(hook.body.toString());
    assert.equal(payload.event, 'study.flagged');
    assert.equal(payload.anyProbability, 0.93);
    assert.deepEqual(payload.subtypes, ['subdural']);
    const hookRow = ctx.store.deliveriesOf('9.8.7').find((d) => d.destination.startsWith('webhook:'));
    assert.equal(hookRow?.attempts, 2, 'the 500 was retried');
  } finally {
    ctx.store.close();
    server.close();
  }
});

test('HTTPS when given a certificate and key', { timeout: 30_000 }, async (t) => {
  if (!hasBinary('openssl')) {
    if (process.env['CI'] === 'true') throw new Error('openssl missing but CI=true');
    t.skip('openssl not installed');
    return;
  }
  const dir = makeTempDir('tls');
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1']);
  assert.equal(r.status, 0, String(r.stderr));
  const app = buildApp(testConfig('tls', { tlsCert: cert, tlsKey: key }));
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/worklist', ca: readFileSync(cert), headers: { authorization: `Bearer ${READ_TOKEN}` } }, (res) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += String(c)));
        res.on('end', () => resolve(s));
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(JSON.parse(body), { studies: [] });
    // plain HTTP on the TLS port does not get the API
    const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then((x) => x.status).catch(() => 'refused');
    assert.notEqual(plain, 200);
  } finally {
    await app.close();
  }
});

test('retention: received images of studies finished longer ago than retentionDays are deleted; results stay', () => {
  const config = testConfig('retention', { retentionDays: 1 });
  const ctx = createServeContext(config, 'silent');
  try {
    const dir = join(config.dataDir, 'instances', 'abc');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'one.dcm');
    writeFileSync(path, 'x');
    const day = 24 * 3600 * 1000;
    const t0 = Date.now() - 3 * day;
    ctx.store.recordInstance({ sop_uid: '1.1', study_uid: '1', series_uid: '1.5', path, bytes: 1, header: {} }, t0);
    ctx.store.queueStableStudies(t0, 0);
    ctx.store.claimJob(t0);
    ctx.store.saveResult('1', '1.5', 'v', {}, [], t0);
    ctx.store.finishJob('1', { seriesUid: '1.5', flagged: false, anyProbability: 0.1, subtypes: [], volumeMl: 0 }, t0);
    assert.equal(purgeExpiredInstances(ctx, t0 + day / 2), 0, 'not yet expired');
    assert.ok(existsSync(path));
    assert.equal(purgeExpiredInstances(ctx, Date.now()), 1);
    assert.ok(!existsSync(path));
    assert.equal(ctx.store.instancesOf('1').length, 0);
    assert.equal(ctx.store.countResults('1'), 1);
    assert.equal(ctx.store.study('1')?.status, 'done');
  } finally {
    ctx.store.close();
  }
});

test('POST /api/notify: write token, a valid StudyInstanceUID and a --pull-from server, else coded refusals', async () => {
  const none = buildApp(testConfig('notify'));
  try {
    const headers = { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': 'application/json' };
    const r = await none.inject({ method: 'POST', url: '/api/notify', headers, payload: { studyInstanceUid: '1.2.3' } });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, 'ICH_E_CONFIG');
    const ro = await none.inject({ method: 'POST', url: '/api/notify', headers: { ...headers, authorization: `Bearer ${READ_TOKEN}` }, payload: { studyInstanceUid: '1.2.3' } });
    assert.equal(ro.statusCode, 403);
  } finally {
    await none.close();
  }
  const app = buildApp(testConfig('notify2', { pullFrom: 'http://127.0.0.1:9/dicom-web' }));
  try {
    const headers = { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': 'application/json' };
    const bad = await app.inject({ method: 'POST', url: '/api/notify', headers, payload: { studyInstanceUid: '../../etc' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'ICH_E_USAGE');
    const ok = await app.inject({ method: 'POST', url: '/api/notify', headers, payload: { studyInstanceUid: '1.2.3' } });
    assert.equal(ok.statusCode, 202);
    assert.deepEqual(ok.json(), { studyInstanceUid: '1.2.3', status: 'pulling' });
    // the unreachable server: the failed pull is counted, not thrown at the caller
    await waitFor('pull failure counted', () => ((app.serve.metrics.instancesRefused.get('ICH_E_FILE_READ') ?? 0) > 0 ? true : undefined), 10_000, 100);
  } finally {
    await app.close();
  }
});
