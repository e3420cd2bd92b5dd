/**
 * Pure parts of the service: config precedence and checks (DICOM TLS's included), token file and constant-time match,
 * multipart parsing, series selection with its reasons (contrast-enhanced last), and the embedded queue's state machine
 * (claim, crash recovery, retry back-off, failure with its code, one result row per study +
 * series + model version).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDestination, readConfigFile, resolveConfig } from '../../src/serve/config.js';
import { bearerOf, matchToken, parseTokens } from '../../src/serve/tokens.js';
import { relatedBoundary, splitMultipart } from '../../src/serve/http/parse-multipart.js';
import { MultipartSplitter } from '../../src/serve/http/stream-multipart.js';
import { selectSeries } from '../../src/serve/select-series.js';
import type { InstanceHeader } from '../../src/serve/read-instance-header.js';
import { ServeStore } from '../../src/serve/store/serve-store.js';
import { isIchError } from '../../src/core/errors.js';
import { hashUid } from '../../src/serve/phi.js';
import { readDicomTlsOptions } from '../../src/serve/dimse/dicom-tls.js';
import { destinationKey } from '../../src/serve/pipeline/forward-results.js';
import { toWorklistEntry } from '../../src/serve/http/study-view.js';
import { makeTempDir } from './serve-helpers.js';

test('config: defaults ← file ← flags; unknown keys and bad values are ICH_E_CONFIG', () => {
  const dir = makeTempDir('config');
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ dataDir: 'd', tokenFile: 't', stableAgeS: 30, forwardTo: ['PACS@10.0.0.1:104'], aeTitle: 'FROMFILE' }));
  const c = resolveConfig(readConfigFile(file), { stableAgeS: 5, aeTitle: undefined }, dir);
  assert.equal(c.stableAgeS, 5, 'flag wins');
  assert.equal(c.aeTitle, 'FROMFILE', 'unset flag keeps the file value');
  assert.equal(c.host, '127.0.0.1', 'loopback by default');
  assert.equal(c.dataDir, join(dir, 'd'));
  assert.deepEqual(c.forwardTo, [{ aeTitle: 'PACS', host: '10.0.0.1', port: 104 }]);
  writeFileSync(file, JSON.stringify({ dataDir: 'd', tokenFile: 't', stableAge: 3 }));
  assert.throws(() => readConfigFile(file), (e) => isIchError(e, 'ICH_E_CONFIG') && /stableAge/.test(e.message));
  assert.throws(() => resolveConfig({}, { tokenFile: 't' }, dir), (e) => isIchError(e, 'ICH_E_CONFIG'));
  assert.throws(() => resolveConfig({}, { dataDir: 'd', tokenFile: 't', maxAttempts: -1 }, dir), (e) => isIchError(e, 'ICH_E_CONFIG'));
  assert.throws(() => resolveConfig({}, { dataDir: 'd', tokenFile: 't', tlsCert: 'c.pem' }, dir), (e) => isIchError(e, 'ICH_E_CONFIG'));
  for (const bad of ['PACS', 'PACS@host', 'PACS@host:0', 'A@h:99999', '@h:1']) assert.throws(() => parseDestination(bad), (e) => isIchError(e, 'ICH_E_CONFIG'), bad);
});

test('DICOM TLS config: tls: destinations, mutual TLS needs our certificate and a CA, unreadable PEM is ICH_E_CONFIG naming the file', () => {
  const dir = makeTempDir('config-tls');
  assert.deepEqual(parseDestination('tls:PACS@pacs.example:2762'), { aeTitle: 'PACS', host: 'pacs.example', port: 2762, tls: true });
  assert.deepEqual(parseDestination('PACS@pacs.example:104'), { aeTitle: 'PACS', host: 'pacs.example', port: 104 });
  assert.equal(destinationKey(parseDestination('tls:PACS@h:2762')), 'tls:PACS@h:2762', 'a TLS and a plain delivery to one node are two rows');
  assert.equal(destinationKey(parseDestination('PACS@h:104')), 'PACS@h:104', 'plain delivery rows keep their old names');
  for (const bad of ['tls:PACS@host', 'tls:@h:1', 'tls:PACS@h:0']) assert.throws(() => parseDestination(bad), (e) => isIchError(e, 'ICH_E_CONFIG'), bad);
  const base = { dataDir: 'd', tokenFile: 't' };
  const pem = { tlsCert: 'me.crt', tlsKey: 'me.key' };
  assert.throws(() => resolveConfig({}, { ...base, dicomTls: true, dicomTlsCa: 'ca.crt' }, dir), (e) => isIchError(e, 'ICH_E_CONFIG') && /tlsCert/.test(e.message));
  assert.throws(() => resolveConfig({}, { ...base, ...pem, dicomTls: true }, dir), (e) => isIchError(e, 'ICH_E_CONFIG') && /dicomTlsCa/.test(e.message));
  assert.throws(() => resolveConfig({}, { ...base, ...pem, forwardTo: [parseDestination('tls:P@h:1')] }, dir), (e) => isIchError(e, 'ICH_E_CONFIG') && /tls:P@h:1.*dicomTlsCa/.test(e.message));
  const c = resolveConfig({}, { ...base, ...pem, dicomTls: true, dicomTlsCa: 'ca.crt' }, dir);
  assert.equal(c.dicomTlsCa, join(dir, 'ca.crt'), 'PEM paths resolved against the working directory');
  assert.equal(c.tlsCert, join(dir, 'me.crt'));
  assert.throws(() => readDicomTlsOptions(c, 'server'), (e) => isIchError(e, 'ICH_E_CONFIG') && e.file === join(dir, 'me.key') && /ENOENT/.test(e.message));
  for (const f of ['me.crt', 'me.key']) writeFileSync(join(dir, f), '-----BEGIN X-----\n');
  writeFileSync(join(dir, 'ca.crt'), 'not a certificate');
  assert.throws(() => readDicomTlsOptions(c, 'client'), (e) => isIchError(e, 'ICH_E_CONFIG') && e.file === join(dir, 'ca.crt') && /not PEM/.test(e.message));
  writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n');
  const server = readDicomTlsOptions(c, 'server');
  assert.equal(server.minVersion, 'TLSv1.2', 'BCP 195: TLS 1.2 or later');
  assert.equal(server.requestCert && server.rejectUnauthorized, true, 'the SCP requires a trusted peer certificate');
  assert.equal(readDicomTlsOptions(c, 'client').requestCert, false);
  // a config file may give a TLS destination as an object too
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ ...base, ...pem, dicomTlsCa: 'ca.crt', forwardTo: [{ aeTitle: 'P', host: 'h', port: 2762, tls: true }, 'tls:Q@h:2763'] }));
  assert.deepEqual(resolveConfig(readConfigFile(file), {}, dir).forwardTo.map(destinationKey), ['tls:P@h:2762', 'tls:Q@h:2763']);
});

test('tokens: bare = write, read: = read, comments ignored, wrong tokens match nothing', () => {
  const tokens = parseTokens('# ops\nwrite-token-aaaa\n\nread:read-token-bbbb\n');
  assert.equal(tokens.length, 2);
  assert.equal(matchToken(tokens, 'write-token-aaaa'), 'write');
  assert.equal(matchToken(tokens, 'read-token-bbbb'), 'read');
  assert.equal(matchToken(tokens, 'read:read-token-bbbb'), undefined);
  assert.equal(matchToken(tokens, 'write-token-aaa'), undefined);
  assert.equal(matchToken(tokens, ''), undefined);
  assert.throws(() => parseTokens('short'), (e) => isIchError(e, 'ICH_E_CONFIG'));
  assert.equal(bearerOf('Bearer abc'), 'abc');
  assert.equal(bearerOf('bearer  abc '), 'abc');
  assert.equal(bearerOf('Basic abc'), undefined);
  assert.equal(bearerOf(undefined), undefined);
  assert.match(hashUid('1.2.3'), /^[0-9a-f]{16}$/);
});

test('multipart/related: boundary and type checked, parts split exactly', () => {
  assert.equal(relatedBoundary('multipart/related; type="application/dicom"; boundary="abc"'), 'abc');
  assert.equal(relatedBoundary('multipart/related; boundary=xyz; type=application/dicom'), 'xyz');
  assert.throws(() => relatedBoundary('multipart/related; type="application/dicom+xml"; boundary=a'), (e) => isIchError(e, 'ICH_E_BAD_MEDIA_TYPE'));
  assert.throws(() => relatedBoundary('application/dicom'), (e) => isIchError(e, 'ICH_E_BAD_MEDIA_TYPE'));
  const body = Buffer.from('preamble\r\n--b\r\nContent-Type: application/dicom\r\n\r\nAB\r\nC\r\n--b\r\ncontent-type: text/plain\r\n\r\nxyz\r\n--b--\r\n');
  const parts = splitMultipart(body, 'b');
  assert.deepEqual(parts.map((p) => [p.contentType, p.body.toString()]), [['application/dicom', 'AB\r\nC'], ['text/plain', 'xyz']]);
  assert.throws(() => splitMultipart(Buffer.from('--b\r\n\r\nabc'), 'b'), (e) => isIchError(e, 'ICH_E_BAD_MEDIA_TYPE'));
});

test('streaming multipart splitter: the same parts as the buffer parser, whatever the chunking', () => {
  const payload = Buffer.concat([Buffer.from('preamble\r\n--bnd\r\nContent-Type: application/dicom\r\n\r\n'), Buffer.alloc(3000, 7), Buffer.from('\r\n--bn\r\n--bnd\r\ncontent-type: text/plain\r\n\r\nxyz\r\n--bnd\r\n\r\nno headers\r\n--bnd--\r\n')]);
  const expected = splitMultipart(payload, 'bnd').map((p) => [p.contentType, p.body.toString('hex')]);
  assert.equal(expected.length, 3);
  for (const size of [1, 2, 5, 7, 64, 1000, payload.length]) {
    const got: [string, Buffer[]][] = [];
    const sp = new MultipartSplitter('bnd', (ct) => {
      const part: [string, Buffer[]] = [ct, []];
      got.push(part);
      return { write: (c) => void part[1].push(Buffer.from(c)), end: () => undefined };
    });
    for (let i = 0; i < payload.length; i += size) sp.push(payload.subarray(i, i + size));
    sp.finish();
    assert.deepEqual(got.map(([ct, b]) => [ct, Buffer.concat(b).toString('hex')]), expected, `chunks of ${size}`);
  }
  const open = new MultipartSplitter('bnd', () => ({ write: () => undefined, end: () => undefined }));
  open.push(Buffer.from('--bnd\r\n\r\nabc'));
  assert.throws(() => open.finish(), (e) => isIchError(e, 'ICH_E_BAD_MEDIA_TYPE'));
});

function series(uid: string, n: number, over: Partial<InstanceHeader> = {}): InstanceHeader[] {
  return Array.from({ length: n }, (_, i) => ({
    studyUid: '1.2', seriesUid: uid, sopUid: `${uid}.${i}`, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', modality: 'CT', imageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    orientation: [1, 0, 0, 0, 1, 0], sliceThicknessMm: 5, convolutionKernel: 'H30s', seriesDescription: 'Head', manufacturer: 'ACME', ...over,
  }));
}

test('series selection: soft-tissue axial ORIGINAL CT chosen; every other series has its reason', () => {
  const sel = selectSeries([
    ...series('bone', 30, { convolutionKernel: 'H70h' }),
    ...series('soft', 30),
    ...series('scout', 2, { imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'], seriesDescription: 'Topogram' }),
    ...series('dose', 1, { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', imageType: ['DERIVED', 'SECONDARY'], seriesDescription: 'Dose Report' }),
    ...series('sag', 40, { orientation: [0, 1, 0, 0, 0, -1] }),
    ...series('thick', 20, { sliceThicknessMm: 10 }),
    ...series('few', 6),
    ...series('derived', 30, { imageType: ['DERIVED', 'SECONDARY', 'AXIAL'] }),
    ...series('mr', 30, { modality: 'MR' }),
    ...series('chest', 60, { notHead: 'BodyPartExamined "CHEST"' }),
  ]);
  assert.equal(sel.chosen?.seriesInstanceUid, 'soft');
  const why = Object.fromEntries(sel.skipped.map((s) => [s.seriesInstanceUid, s.reason]));
  assert.match(why['bone'] ?? '', /H70h kernel; a softer-kernel series was chosen/);
  assert.match(why['scout'] ?? '', /scout|localizer/);
  assert.match(why['dose'] ?? '', /SOP class/);
  assert.match(why['sag'] ?? '', /not axial/);
  assert.match(why['thick'] ?? '', /10 mm > 5 mm/);
  assert.match(why['few'] ?? '', /6 slices, fewer than 10/);
  assert.match(why['derived'] ?? '', /DERIVED, not ORIGINAL/);
  assert.match(why['mr'] ?? '', /MR, not CT/);
  assert.equal(why['chest'], 'BodyPartExamined "CHEST", not a head CT');
  assert.equal(sel.skipped.length, 9);
  // only a bone series: it is scored
  assert.equal(selectSeries(series('bone', 30, { convolutionKernel: 'BONE' })).chosen?.seriesInstanceUid, 'bone');
  assert.equal(selectSeries(series('few', 3)).chosen, undefined);
});

test('series selection: a non-contrast series before an enhanced one, whatever their kernels and sizes; enhanced alone is scored and says so', () => {
  const cta = { contrast: 'SeriesDescription "CTA HEAD"', seriesDescription: 'CTA HEAD' };
  const sel = selectSeries([...series('cta', 200, cta), ...series('plain-bone', 30, { convolutionKernel: 'H70h' })]);
  assert.equal(sel.chosen?.seriesInstanceUid, 'plain-bone');
  assert.equal(sel.chosen?.contrast, undefined);
  assert.match(sel.skipped.find((s) => s.seriesInstanceUid === 'cta')?.reason ?? '', /^contrast-enhanced \(SeriesDescription "CTA HEAD"\); a non-contrast series was chosen$/);
  const only = selectSeries([...series('cta', 200, cta), ...series('cta-bone', 200, { ...cta, convolutionKernel: 'BONE' })]);
  assert.equal(only.chosen?.seriesInstanceUid, 'cta');
  assert.equal(only.chosen?.contrast, cta.contrast);
  assert.match(only.skipped[0]?.reason ?? '', /softer-kernel/);
});

test('embedded queue: stable → queued → claimed; crash recovery; retry back-off; failure keeps the code; one result row', () => {
  const store = new ServeStore(join(makeTempDir('queue'), 'q.db'));
  try {
    const add = (study: string, sop: string, at: number): void => void store.recordInstance({ sop_uid: sop, study_uid: study, series_uid: 's', path: '/x', bytes: 1, header: {} }, at);
    add('A', 'a1', 1000);
    add('A', 'a2', 1500);
    assert.deepEqual(store.queueStableStudies(2000, 1000), [], 'not quiet for the stable age yet');
    assert.deepEqual(store.queueStableStudies(2500, 1000), ['A']);
    assert.equal(store.study('A')?.status, 'queued');
    let job = store.claimJob(2500);
    assert.deepEqual(job, { studyUid: 'A', attempt: 1 });
    assert.equal(store.claimJob(2500), undefined, 'a running job is not claimed twice');
    // the process dies here: on restart the running job is queued again
    assert.equal(store.recoverRunning(3000), 1);
    assert.equal(store.study('A')?.status, 'queued');
    job = store.claimJob(3000);
    assert.equal(job?.attempt, 2);
    assert.equal(store.failJob('A', 2, 'ICH_E_DECODE', 'boom', 4000, { maxAttempts: 3, retryBaseMs: 1000, retryable: true }), 'retry');
    assert.equal(store.claimJob(4500), undefined, 'backing off: retried after 1000·2^(2−1) ms');
    job = store.claimJob(6000);
    assert.equal(job?.attempt, 3);
    assert.equal(store.failJob('A', 3, 'ICH_E_DECODE', 'boom', 6000, { maxAttempts: 3, retryBaseMs: 1000, retryable: true }), 'failed');
    assert.equal(store.study('A')?.status, 'failed');
    assert.equal(store.study('A')?.error_code, 'ICH_E_DECODE');
    // a re-sent study re-opens it; a result row per study + series + model version
    add('A', 'a3', 7000);
    assert.equal(store.study('A')?.status, 'received');
    assert.equal(store.study('A')?.instances, 3);
    add('A', 'a3', 7100);
    assert.equal(store.study('A')?.instances, 3, 'the same SOP instance counts once');
    store.queueStableStudies(9000, 1000);
    job = store.claimJob(9000);
    assert.equal(job?.attempt, 1, 'a re-queued study starts its attempts afresh');
    store.saveResult('A', 's', 'v1', { n: 1 }, [], 9100);
    store.finishJob('A', { seriesUid: 's', flagged: true, anyProbability: 0.9, subtypes: ['subdural'], volumeMl: 3 }, 9100);
    store.saveResult('A', 's', 'v1', { n: 2 }, [], 9200);
    assert.equal(store.countResults('A'), 1);
    assert.equal(JSON.parse(store.latestResult('A')?.summary ?? '{}').n, 2);
    assert.equal(store.study('A')?.status, 'done');
    // a permanent error fails at once
    add('B', 'b1', 10_000);
    store.queueStableStudies(20_000, 1000);
    const b = store.claimJob(20_000);
    assert.equal(store.failJob('B', b?.attempt ?? 0, 'ICH_E_NO_SERIES', 'no series', 20_000, { maxAttempts: 3, retryBaseMs: 1000, retryable: false }), 'failed');
    // deliveries: pending → retry → delivered
    store.openDeliveries('A', ['PACS@h:1'], 100);
    const [d] = store.dueDeliveries(100);
    assert.ok(d);
    assert.equal(store.markDeliveryAttemptFailed(d, 'refused', 100, { maxAttempts: 2, retryBaseMs: 50 }), 'retry');
    assert.equal(store.dueDeliveries(120).length, 0);
    store.markDelivered('A', 'PACS@h:1', 200);
    assert.equal(store.deliveriesOf('A')[0]?.state, 'delivered');
  } finally {
    store.close();
  }
});

test("warnings column: a finished study keeps its result's warnings for the worklist; a data dir from before the column gets it on open", () => {
  const file = join(makeTempDir('warnings-col'), 'q.db');
  let store = new ServeStore(file);
  try {
    store.recordInstance({ sop_uid: 'a1', study_uid: 'A', series_uid: 's', path: '/x', bytes: 1, header: {} }, 1000);
    // as an older release left it: no warnings column, a study finished without one
    store.db.exec('ALTER TABLE studies DROP COLUMN warnings');
    store.db.prepare("UPDATE studies SET status = 'done', flagged = 0, any_probability = 0.1, subtypes = '[]' WHERE study_uid = 'A'").run();
  } finally {
    store.close();
  }
  store = new ServeStore(file);
  try {
    const row = store.study('A');
    assert.ok(row && 'warnings' in row, 'the column is added when an older file is opened');
    assert.deepEqual(toWorklistEntry(row).warnings, [], 'an old row shows no warning');
    store.recordInstance({ sop_uid: 'b1', study_uid: 'B', series_uid: 's', path: '/y', bytes: 1, header: {} }, 2000);
    store.queueStableStudies(5000, 1000);
    store.claimJob(5000);
    store.finishJob('B', { seriesUid: 's', flagged: true, anyProbability: 0.7, subtypes: [], volumeMl: 1, warnings: ['contrast-enhanced series (x)'] }, 5100);
    assert.deepEqual(toWorklistEntry(store.study('B') as NonNullable<ReturnType<typeof store.study>>).warnings, ['contrast-enhanced series (x)']);
  } finally {
    store.close();
  }
});
