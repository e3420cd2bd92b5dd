/**
 * The HTTP app through `app.inject()` (no sockets): tokens (401/403, healthz open), STOW-RS into
 * the data dir under digest names, coded limits (413 body and instance, 429 per study and queue),
 * the worklist order, study detail, metrics text and the OpenAPI document against the routes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { buildApp } from '../../src/serve/http/build-app.js';
import { toOpenApiPath } from '../../src/serve/http/openapi.js';
import { digestUid } from '../../src/serve/phi.js';
import { readInstanceHeader } from '../../src/serve/read-instance-header.js';
import type { ServeConfig } from '../../src/serve/config.js';
import { makeSynthStudies, makeTempDir, READ_TOKEN, testConfig, WRITE_TOKEN } from './serve-helpers.js';

const files = await makeSynthStudies(join(makeTempDir('inject-synth'), 'synth'), 2, 11, [10, 11]);
/** The files of the first study (synth names interleave the studies). */
const firstStudyUid = readInstanceHeader(files[0] as string).studyUid;
const oneStudy = files.filter((f) => readInstanceHeader(f).studyUid === firstStudyUid);

function stowBody(parts: Buffer[], boundary = 'ichscan-test-boundary'): { payload: Buffer; headers: Record<string, string> } {
  const chunks: Buffer[] = [];
  for (const p of parts) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, authorization: `Bearer ${WRITE_TOKEN}` } };
}

function app(overrides: Partial<ServeConfig> = {}): ReturnType<typeof buildApp> {
  return buildApp(testConfig('inject', overrides));
}

test('tokens: 401 without or with a wrong token, read token reads, 403 on STOW, healthz and openapi open', async () => {
  const a = app();
  try {
    assert.equal((await a.inject({ url: '/healthz' })).statusCode, 200);
    assert.equal((await a.inject({ url: '/openapi.json' })).statusCode, 200);
    const none = await a.inject({ url: '/api/worklist' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'ICH_E_UNAUTHORIZED');
    assert.equal((await a.inject({ url: '/api/worklist', headers: { authorization: 'Bearer nope-nope-nope' } })).statusCode, 401);
    assert.equal((await a.inject({ url: '/api/worklist', headers: { authorization: `Basic ${WRITE_TOKEN}` } })).statusCode, 401);
    assert.equal((await a.inject({ url: '/metrics' })).statusCode, 401);
    assert.equal((await a.inject({ url: '/no-such-route' })).statusCode, 401, 'unknown routes need a token too');
    assert.equal((await a.inject({ url: '/api/worklist', headers: { authorization: `Bearer ${READ_TOKEN}` } })).statusCode, 200);
    const { payload, headers } = stowBody([readFileSync(files[0] as string)]);
    const ro = await a.inject({ method: 'POST', url: '/dicomweb/studies', payload, headers: { ...headers, authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(ro.statusCode, 403);
    assert.equal(ro.json().code, 'ICH_E_FORBIDDEN');
  } finally {
    await a.close();
  }
});

test('STOW-RS stores every part under digest names and the study shows as received', async () => {
  const a = app();
  try {
    const { payload, headers } = stowBody(oneStudy.slice(0, 3).map((f) => readFileSync(f)));
    const r = await a.inject({ method: 'POST', url: '/dicomweb/studies', payload, headers });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json()['00081199'].Value.length, 3);
    const wl = (await a.inject({ url: '/api/worklist', headers: { authorization: `Bearer ${READ_TOKEN}` } })).json();
    assert.equal(wl.studies.length, 1);
    assert.equal(wl.studies[0].status, 'received');
    assert.equal(wl.studies[0].instances, 3);
    const uid = wl.studies[0].studyInstanceUid as string;
    const dir = join(a.serve.config.dataDir, 'instances', digestUid(uid));
    const stored = readdirSync(dir);
    assert.equal(stored.length, 3);
    for (const f of stored) assert.match(f, /^[0-9a-f]{64}\.dcm$/, 'named by SOP UID digest, never by a client name');
    assert.ok(!stored.some((f) => files.map((x) => basename(x)).includes(f)));
    // re-sending the same instance counts once
    const again = await a.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody([readFileSync(files[0] as string)]) });
    assert.equal(again.statusCode, 200);
    const detail = (await a.inject({ url: `/api/studies/${uid}`, headers: { authorization: `Bearer ${READ_TOKEN}` } })).json();
    assert.equal(detail.instances, 3);
    assert.deepEqual(detail.deliveries, []);
    const missing = await a.inject({ url: '/api/studies/1.2.3.4', headers: { authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'ICH_E_STUDY_NOT_FOUND');
  } finally {
    await a.close();
  }
});

test('STOW-RS: wrong media type 415, not DICOM refused, coded', async () => {
  const a = app();
  try {
    const bad = await a.inject({ method: 'POST', url: '/dicomweb/studies', payload: 'x', headers: { 'content-type': 'application/json', authorization: `Bearer ${WRITE_TOKEN}` } });
    assert.equal(bad.statusCode, 415);
    assert.equal(bad.json().code, 'ICH_E_BAD_MEDIA_TYPE');
    const junk = await a.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody([Buffer.from('not a dicom file at all')]) });
    assert.equal(junk.statusCode, 415);
    assert.equal(junk.json().code, 'ICH_E_NOT_DICOM');
  } finally {
    await a.close();
  }
});

test('limits: request body 413, instance size 413, instances per study 429, queued studies 429', async () => {
  const size = statSync(files[0] as string).size;
  const body = app({ maxBodyBytes: size * 2 });
  try {
    const r = await body.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody(files.slice(0, 3).map((f) => readFileSync(f))) });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().code, 'ICH_E_TOO_LARGE');
  } finally {
    await body.close();
  }
  // a chunked body (no Content-Length) is counted as it streams
  const chunked = app({ maxBodyBytes: size * 2 });
  try {
    const { payload, headers } = stowBody(files.slice(0, 3).map((f) => readFileSync(f)));
    const r = await chunked.inject({ method: 'POST', url: '/dicomweb/studies', payload: Readable.from([payload.subarray(0, size), payload.subarray(size)]), headers });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().code, 'ICH_E_TOO_LARGE');
    assert.deepEqual(readdirSync(join(chunked.serve.config.dataDir, 'incoming')), [], 'partial parts removed');
  } finally {
    await chunked.close();
  }
  const inst = app({ maxInstanceBytes: size - 1 });
  try {
    const r = await inst.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody([readFileSync(files[0] as string)]) });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().code, 'ICH_E_TOO_LARGE');
  } finally {
    await inst.close();
  }
  const per = app({ maxInstancesPerStudy: 2 });
  try {
    // files are sorted by image id, so studies interleave: pick instances of one study by its UID
    const first = await per.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody([readFileSync(files[0] as string)]) });
    assert.equal(first.statusCode, 200);
    const uid = (await per.inject({ url: '/api/worklist', headers: { authorization: `Bearer ${READ_TOKEN}` } })).json().studies[0].studyInstanceUid as string;
    const same = files.filter((f) => readFileSync(f).includes(Buffer.from(uid)));
    assert.equal((await per.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody([readFileSync(same[1] as string)]) })).statusCode, 200);
    const third = await per.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody([readFileSync(same[2] as string)]) });
    assert.equal(third.statusCode, 429);
    assert.equal(third.json().code, 'ICH_E_TOO_MANY');
    const metrics = (await per.inject({ url: '/metrics', headers: { authorization: `Bearer ${READ_TOKEN}` } })).body;
    assert.match(metrics, /ichscan_instances_refused_total\{code="ICH_E_TOO_MANY"\} 1/);
  } finally {
    await per.close();
  }
  const queue = app({ maxQueuedStudies: 1 });
  try {
    const a = await queue.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody([readFileSync(files[0] as string)]) });
    assert.equal(a.statusCode, 200);
    const uid = (await queue.inject({ url: '/api/worklist', headers: { authorization: `Bearer ${READ_TOKEN}` } })).json().studies[0].studyInstanceUid as string;
    const other = files.find((f) => !readFileSync(f).includes(Buffer.from(uid))) as string;
    const b = await queue.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody([readFileSync(other)]) });
    assert.equal(b.statusCode, 429);
    assert.equal(b.json().code, 'ICH_E_TOO_MANY');
    // an instance of the study already waiting is still accepted
    const same = files.filter((f) => readFileSync(f).includes(Buffer.from(uid)));
    assert.equal((await queue.inject({ method: 'POST', url: '/dicomweb/studies', ...stowBody([readFileSync(same[1] as string)]) })).statusCode, 200);
  } finally {
    await queue.close();
  }
});

test('worklist: flagged first, then P(any), then arrival; statuses and times', async () => {
  const a = app();
  try {
    const store = a.serve.store;
    const add = (uid: string, at: number): void => {
      store.recordInstance({ sop_uid: `${uid}.1`, study_uid: uid, series_uid: `${uid}.9`, path: '/dev/null', bytes: 1, header: {} }, at);
    };
    add('1.1', 1000);
    add('1.2', 2000);
    add('1.3', 3000);
    add('1.4', 4000);
    store.queueStableStudies(10_000, 0);
    for (let i = 0; i < 3; i++) {
      const job = store.claimJob(10_000);
      assert.ok(job);
      const flagged = job.studyUid !== '1.1';
      store.finishJob(job.studyUid, { seriesUid: 's', flagged, anyProbability: { '1.1': 0.2, '1.2': 0.6, '1.3': 0.9 }[job.studyUid] ?? 0, subtypes: [], volumeMl: 1 }, 11_000);
    }
    const wl = (await a.inject({ url: '/api/worklist', headers: { authorization: `Bearer ${READ_TOKEN}` } })).json();
    assert.deepEqual(wl.studies.map((s: { studyInstanceUid: string }) => s.studyInstanceUid), ['1.3', '1.2', '1.1', '1.4']);
    assert.deepEqual(wl.studies.map((s: { status: string }) => s.status), ['done', 'done', 'done', 'queued']);
    assert.equal(wl.studies[0].flagged, true);
    assert.equal(wl.studies[3].flagged, null);
    assert.equal(wl.studies[0].times.finished, new Date(11_000).toISOString());
    const limited = (await a.inject({ url: '/api/worklist?limit=1', headers: { authorization: `Bearer ${READ_TOKEN}` } })).json();
    assert.equal(limited.studies.length, 1);
    assert.equal((await a.inject({ url: '/api/worklist?limit=0', headers: { authorization: `Bearer ${READ_TOKEN}` } })).statusCode, 400);
  } finally {
    await a.close();
  }
});

test('metrics: Prometheus text with the counters, queue depth and latency histogram', async () => {
  const a = app();
  try {
    a.serve.metrics.observeJobLatency(3);
    const r = await a.inject({ url: '/metrics', headers: { authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    for (const name of ['ichscan_instances_received_total', 'ichscan_queue_depth', 'ichscan_job_latency_seconds_bucket', 'ichscan_job_failures_total', 'ichscan_deliveries_total']) assert.match(r.body, new RegExp(`# TYPE ${name.replace(/_bucket$/, '')} `));
    assert.match(r.body, /ichscan_job_latency_seconds_bucket\{le="5"\} 1/);
    assert.match(r.body, /ichscan_job_latency_seconds_count 1/);
    for (const line of r.body.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \S+ .+|[a-z_]+(\{[a-z_]+="[^"]*"\})? [0-9.e+-]+)$/, line);
  } finally {
    await a.close();
  }
});

test('OpenAPI document lists exactly the routes, with their methods, parameters and security', async () => {
  const a = app();
  try {
    const doc = (await a.inject({ url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    const routes = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) for (const method of Object.keys(ops)) routes.add(`${method.toUpperCase()} ${path}`);
    const dicomweb = ['/dicomweb/studies', '/dicomweb/studies/{study}/series', '/dicomweb/studies/{study}/series/{series}/instances', '/dicomweb/studies/{study}/instances']
      .concat(['/dicomweb/studies/{study}', '/dicomweb/studies/{study}/series/{series}', '/dicomweb/studies/{study}/series/{series}/instances/{sop}'].flatMap((u) => [u, `${u}/metadata`]))
      .concat(['/dicomweb/studies/{study}/series/{series}/instances/{sop}/frames/{frames}'])
      .map((p) => `GET ${p}`);
    const expected = ['POST /dicomweb/studies', 'POST /api/notify', 'GET /api/worklist', 'GET /api/studies/{uid}', 'GET /healthz', 'GET /metrics', 'GET /openapi.json', 'GET /', 'GET /studies/*', 'GET /assets/*', ...dicomweb];
    for (const r of expected) assert.ok(routes.has(r), `OpenAPI lacks ${r}`);
    // every documented operation answers (not 404) when called as documented
    for (const r of routes) {
      const [method, path] = r.split(' ') as [string, string];
      const url = path.replace('{uid}', '1.2.3');
      if (url === '/api/studies/1.2.3' || url.includes('{')) continue; // 404 is the documented answer for an unknown study (DICOMweb routes: test/serve/dicomweb-*.test.ts)
      if (url === '/' || url.includes('*')) continue; // the static viewer: test/serve/viewer-static.test.ts
      const res = await a.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${WRITE_TOKEN}` } });
      assert.notEqual(res.statusCode, 404, `${r} is documented but not routed`);
      assert.ok(a.hasRoute({ method: method as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${r} has no route`);
    }
    assert.equal(routes.size, expected.length, `documented: ${[...routes].join(', ')}`);
    assert.deepEqual(doc.paths['/healthz'].get.security, [], 'healthz needs no token');
    assert.equal(doc.paths['/dicomweb/studies'].post['x-ichscan-scope'], 'write');
    assert.equal(doc.paths['/api/studies/{uid}'].get.parameters[0].name, 'uid');
    assert.ok(doc.paths['/dicomweb/studies/{study}/series/{series}/metadata'].get.responses['200'].content['application/dicom+json'], 'DICOMweb media types documented');
    assert.ok(doc.paths['/dicomweb/studies/{study}'].get.responses['200'].content['multipart/related; type="application/dicom"']);
    assert.equal(toOpenApiPath('/a/:b/c/:d'), '/a/{b}/c/{d}');
  } finally {
    await a.close();
  }
});
