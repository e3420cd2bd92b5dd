/**
 * QIDO-RS and WADO-RS on a synthetic study scored by the real pipeline (the service running, the
 * default model, STOW-RS in), checked against pydicom reading the same files: the study, series
 * (received and ichscan's SR, SEG, SC, KO) and instance searches; metadata equal to pydicom's
 * `to_json_dict`; frames equal to pydicom's `pixel_array.tobytes()` (uncompressed CT, 1-bit SEG
 * unpacked, a JPEG 2000 lossless CT of the shared corpus); the retrieve giving back the stored
 * bytes; 404s; the worklist's patient and model fields and the study's z-ordered slices.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, type RunningService } from '../../src/serve/start-service.js';
import { PROJECT_ROOT, sharedDataDir } from '../helpers/shared-data.js';
import { makeSynthStudies, makeTempDir, READ_TOKEN, testConfig, waitFor, WRITE_TOKEN } from './serve-helpers.js';
import { readWithPydicom, requirePydicom, sameJsonValue, sha256, splitMultipart, type PydicomView } from './dicomweb-helpers.js';

type Dataset = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>;

// seed 3's one study bleeds (synthetic truth) and the shipped model flags and locates it, so it has a SEG
// (seed 7's was a clean study that the older localiser wrongly drew blood in)
const files = (await makeSynthStudies(join(makeTempDir('dicomweb-synth'), 'synth'), 1, 3, [12, 12])).sort();
const corpusFile = join(sharedDataDir() ?? '/nonexistent', 'dicom-corpus', 'github-pydicom-data', '693_J2KR.dcm');
const config = testConfig('dicomweb', { stableAgeS: 0 });
const service: RunningService = await startService(config, { logLevel: 'silent', cwd: PROJECT_ROOT });
after(() => service.close());
const base = `http://127.0.0.1:${service.httpPort}`;
const auth = { authorization: `Bearer ${READ_TOKEN}` };

async function stow(paths: string[]): Promise<void> {
  const b = 'test-boundary';
  const chunks: Buffer[] = [];
  for (const p of paths) chunks.push(Buffer.from(`--${b}\r\nContent-Type: application/dicom\r\n\r\n`), readFileSync(p), Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${b}--\r\n`));
  const r = await fetch(`${base}/dicomweb/studies`, { method: 'POST', body: Buffer.concat(chunks), headers: { authorization: `Bearer ${WRITE_TOKEN}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${b}` } });
  assert.equal(r.status, 200, await r.text());
}

async function get(path: string): Promise<{ status: number; type: string; body: Buffer }> {
  const r = await fetch(`${base}${path}`, { headers: auth });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: Buffer.from(await r.arrayBuffer()) };
}
async function getJson<T = Dataset[]>(path: string): Promise<T> {
  const r = await get(path);
  assert.equal(r.status, 200, `${path}: ${r.body.toString()}`);
  assert.match(r.type, /^application\/dicom\+json/, path);
  return JSON.parse(r.body.toString()) as T;
}
const value = (ds: Dataset | undefined, tag: string): unknown => ds?.[tag]?.Value?.[0];

await stow(files);
if (existsSync(corpusFile)) await stow([corpusFile]);
const studyUid = (readWithPydicomSafe(files.slice(0, 1))[0]?.json['0020000D']?.Value?.[0] as string | undefined) ?? '';
function readWithPydicomSafe(f: string[]): PydicomView[] {
  try {
    return readWithPydicom(f);
  } catch {
    return [];
  }
}
const detail = await waitFor('the synthetic study scored', async () => {
  const wl = (await (await fetch(`${base}/api/worklist`, { headers: auth })).json()) as { studies: { studyInstanceUid: string; status: string }[] };
  const s = wl.studies.find((x) => x.status === 'done' && (studyUid === '' || x.studyInstanceUid === studyUid));
  const others = wl.studies.filter((x) => x !== s);
  if (!s || others.some((x) => x.status !== 'done' && x.status !== 'failed')) return undefined;
  return (await (await fetch(`${base}/api/studies/${s.studyInstanceUid}`, { headers: auth })).json()) as {
    studyInstanceUid: string; seriesInstanceUid: string; results: { kind: string; sopInstanceUid: string; seriesInstanceUid: string }[]; slices: { index: number; sopInstanceUid: string; z: number }[]; model: { name: string; version: string };
  };
}, 240_000, 300);
const study = detail.studyInstanceUid;
const ctSeries = detail.seriesInstanceUid;

test('QIDO-RS studies: DICOM JSON with the listed attributes, values as pydicom reads them; filters, paging, empty → []', async (t) => {
  const studies = await getJson('/dicomweb/studies');
  const ours = studies.find((s) => value(s, '0020000D') === study);
  assert.ok(ours, 'the study is listed');
  for (const ds of studies) for (const [tag, a] of Object.entries(ds)) {
    assert.match(tag, /^[0-9A-F]{8}$/, 'tags are 8 upper-case hex digits');
    assert.match(a.vr, /^[A-Z]{2}$/);
  }
  for (const tag of ['0020000D', '00080020', '00080030', '00080050', '00100010', '00100020', '00100030', '00100040', '00101010', '00080061', '00201206', '00201208', '00081030']) assert.ok(ours[tag], `study attribute ${tag}`);
  assert.equal(value(ours, '00201206'), 1 + new Set(detail.results.map((r) => r.seriesInstanceUid)).size, 'series: the CT and each result series');
  assert.equal(value(ours, '00201208'), files.length + detail.results.length, 'instances: received and results');
  assert.deepEqual(ours['00080061']?.Value, ['CT', 'KO', 'OT', 'SEG', 'SR'].filter((m) => m === 'CT' || m === 'SR' || detail.results.some((r) => ({ seg: 'SEG', sc: 'OT', kos: 'KO' } as Record<string, string>)[r.kind] === m)));
  if (requirePydicom(t)) {
    const [py] = readWithPydicom([files[0] as string]);
    for (const tag of ['0020000D', '00080020', '00080030', '00080050', '00100010', '00100020', '00100030', '00100040', '00101010', '00081030']) {
      assert.ok(sameJsonValue(ours[tag]?.Value, py?.json[tag]?.Value), `${tag}: ours ${JSON.stringify(ours[tag])} pydicom ${JSON.stringify(py?.json[tag])}`);
    }
  }
  const patientId = value(ours, '00100020') as string;
  assert.equal((await getJson(`/dicomweb/studies?PatientID=${encodeURIComponent(patientId)}`)).length, 1);
  assert.equal((await getJson(`/dicomweb/studies?00100020=${encodeURIComponent(patientId.slice(0, 4))}*`)).length, 1, 'wildcard, by tag');
  assert.deepEqual(await getJson('/dicomweb/studies?PatientID=nobody'), [], 'no match → 200 []');
  assert.equal((await getJson(`/dicomweb/studies?StudyInstanceUID=1.2.3,${study}`)).length, 1, 'UID list');
  assert.equal((await getJson(`/dicomweb/studies?StudyInstanceUID=${study}&includefield=all&fuzzymatching=false`)).length, 1, 'includefield accepted, unknown keys ignored');
  assert.equal((await getJson('/dicomweb/studies?limit=1')).length, 1);
  assert.equal((await getJson(`/dicomweb/studies?offset=${studies.length}`)).length, 0);
  assert.equal((await get('/dicomweb/studies?limit=10001')).status, 400, 'limit ≤ 10000');
});

test('QIDO-RS series: the received CT series and every result series ichscan wrote, with modality and counts', async () => {
  const series = await getJson(`/dicomweb/studies/${study}/series`);
  const uids = series.map((s) => value(s, '0020000E'));
  assert.deepEqual(new Set(uids), new Set([ctSeries, ...detail.results.map((r) => r.seriesInstanceUid)]));
  const byUid = new Map(series.map((s) => [value(s, '0020000E'), s]));
  assert.equal(value(byUid.get(ctSeries), '00080060'), 'CT');
  assert.equal(value(byUid.get(ctSeries), '00201209'), files.length);
  const modality: Record<string, string> = { sr: 'SR', seg: 'SEG', sc: 'OT', kos: 'KO' };
  for (const r of detail.results) assert.equal(value(byUid.get(r.seriesInstanceUid), '00080060'), modality[r.kind], r.kind);
  assert.ok(detail.results.some((r) => r.kind === 'seg'), 'a bleeding study has a SEG');
  for (const s of series) for (const tag of ['0020000E', '00080060', '00200011', '0008103E', '00201209']) assert.ok(s[tag], `series attribute ${tag}`);
  assert.deepEqual(await getJson('/dicomweb/studies/1.2.3.4/series'), [], 'unknown study: no match');
  assert.equal((await getJson(`/dicomweb/studies/${study}/series?Modality=SEG`)).length, 1);
});

test('QIDO-RS instances: SOP class and instance, number, rows, columns, frames (pydicom values)', async (t) => {
  const list = await getJson(`/dicomweb/studies/${study}/series/${ctSeries}/instances`);
  assert.equal(list.length, files.length);
  const numbers = list.map((i) => value(i, '00200013') as number);
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'in instance-number order');
  for (const i of list) for (const tag of ['00080016', '00080018', '00200013', '00280010', '00280011', '00280008']) assert.ok(i[tag]?.Value, `instance attribute ${tag}`);
  const seg = detail.results.find((r) => r.kind === 'seg');
  assert.ok(seg);
  const [segInstance] = await getJson(`/dicomweb/studies/${study}/series/${seg.seriesInstanceUid}/instances`);
  if (!requirePydicom(t)) return;
  const segFile = join(config.dataDir, 'results', (await import('../../src/serve/phi.js')).digestUid(study), 'SEG.dcm');
  const [py] = readWithPydicom([segFile]);
  assert.equal(value(segInstance, '00280008'), py?.json['00280008']?.Value?.[0]);
  assert.equal(value(segInstance, '00080018'), seg.sopInstanceUid);
});

/** Every attribute pydicom lists, with its VR and value (binary inline as base64), except the ones ichscan answers differently on purpose. */
function assertSameAsPydicom(ours: Dataset, py: PydicomView, what: string): void {
  for (const [tag, a] of Object.entries(py.json)) {
    if (tag === '00080005' || tag === '7FE00010') continue; // answered as ISO_IR 192 (the JSON is UTF-8); pixel data is a BulkDataURI
    const o = ours[tag];
    assert.ok(o, `${what}: ${tag} missing`);
    assert.equal(o.vr, a.vr, `${what}: ${tag} VR`);
    if (a.InlineBinary !== undefined) assert.equal(o.InlineBinary, a.InlineBinary, `${what}: ${tag} binary`);
    else assert.ok(sameJsonValue(o.Value, a.Value), `${what}: ${tag} ours ${JSON.stringify(o.Value)?.slice(0, 300)} pydicom ${JSON.stringify(a.Value)?.slice(0, 300)}`);
  }
  const extra = Object.keys(ours).filter((k) => !(k in py.json) && k !== '7FE00010');
  assert.deepEqual(extra, [], `${what}: attributes pydicom does not list`);
}

test('WADO-RS metadata: every attribute as pydicom reads it (CT, SEG, SR), pixel data a BulkDataURI to the frames; series and study levels', async (t) => {
  if (!requirePydicom(t)) return;
  const { digestUid } = await import('../../src/serve/phi.js');
  const resultsDir = join(config.dataDir, 'results', digestUid(study));
  const seg = detail.results.find((r) => r.kind === 'seg');
  const sr = detail.results.find((r) => r.kind === 'sr');
  assert.ok(seg && sr);
  const [pyCt, pySeg, pySr] = readWithPydicom([files[0] as string, join(resultsDir, 'SEG.dcm'), join(resultsDir, 'SR.dcm')]);
  const sop = pyCt?.json['00080018']?.Value?.[0] as string;
  const [ct] = await getJson(`/dicomweb/studies/${study}/series/${ctSeries}/instances/${sop}/metadata`);
  assert.ok(ct && pyCt);
  assertSameAsPydicom(ct, pyCt, 'CT');
  for (const tag of ['00200032', '00200037', '00280030', '00281053', '00281052', '00280100', '00280101', '00280103', '00281050', '00281051', '00200013']) assert.ok(ct[tag]?.Value, `CT metadata has ${tag}`);
  const uri = ct['7FE00010']?.BulkDataURI;
  assert.equal(uri, `${base}/dicomweb/studies/${study}/series/${ctSeries}/instances/${sop}/frames/1`);
  assert.equal((await get(new URL(uri).pathname)).status, 200, 'the BulkDataURI answers');
  const [segMeta] = await getJson(`/dicomweb/studies/${study}/series/${seg.seriesInstanceUid}/instances/${seg.sopInstanceUid}/metadata`);
  assertSameAsPydicom(segMeta as Dataset, pySeg as PydicomView, 'SEG');
  const [srMeta] = await getJson(`/dicomweb/studies/${study}/series/${sr.seriesInstanceUid}/instances/${sr.sopInstanceUid}/metadata`);
  assertSameAsPydicom(srMeta as Dataset, pySr as PydicomView, 'SR (nested sequences)');
  assert.equal((await getJson(`/dicomweb/studies/${study}/series/${ctSeries}/metadata`)).length, files.length);
  assert.equal((await getJson(`/dicomweb/studies/${study}/metadata`)).length, files.length + detail.results.length);
});

test('WADO-RS frames: decoded bytes equal pydicom pixel_array.tobytes() — uncompressed CT, 1-bit SEG frames, RGB key image, JPEG 2000 lossless CT', async (t) => {
  if (!requirePydicom(t)) return;
  const { digestUid } = await import('../../src/serve/phi.js');
  const [pyCt] = readWithPydicom([files[3] as string]);
  const sop = pyCt?.json['00080018']?.Value?.[0] as string;
  const r = await get(`/dicomweb/studies/${study}/series/${ctSeries}/instances/${sop}/frames/1`);
  assert.equal(r.status, 200);
  assert.match(r.type, /^multipart\/related; type="application\/octet-stream"; boundary=/);
  const [part] = splitMultipart(r.body, r.type);
  assert.equal(part?.headers['content-type'], 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
  assert.equal(sha256(part?.body ?? Buffer.alloc(0)), pyCt?.pixels.sha256, 'CT frame = pydicom bytes');
  // the SEG: bit-packed frames, unpacked here to pydicom's 0/1 bytes per pixel
  const seg = detail.results.find((x) => x.kind === 'seg');
  assert.ok(seg);
  const [pySeg] = readWithPydicom([join(config.dataDir, 'results', digestUid(study), 'SEG.dcm')]);
  const nFrames = Number(pySeg?.json['00280008']?.Value?.[0]);
  const want = [1, nFrames];
  const s = await get(`/dicomweb/studies/${study}/series/${seg.seriesInstanceUid}/instances/${seg.sopInstanceUid}/frames/${want.join(',')}`);
  const parts = splitMultipart(s.body, s.type);
  assert.equal(parts.length, 2, 'one part per frame asked for');
  const pixels = Number(pySeg?.json['00280010']?.Value?.[0]) * Number(pySeg?.json['00280011']?.Value?.[0]);
  parts.forEach((p, k) => {
    assert.equal(p.body.length, Math.ceil(pixels / 8), 'bit-packed');
    const unpacked = Buffer.alloc(pixels);
    for (let i = 0; i < pixels; i++) unpacked[i] = ((p.body[i >> 3] as number) >> (i & 7)) & 1;
    assert.equal(sha256(unpacked), pySeg?.pixels.frames?.[(want[k] as number) - 1], `SEG frame ${want[k]}`);
  });
  assert.equal((await get(`/dicomweb/studies/${study}/series/${seg.seriesInstanceUid}/instances/${seg.sopInstanceUid}/frames/${nFrames + 1}`)).status, 400, 'frame past the last');
  // a key image (RGB Secondary Capture, native): the stored bytes, as pydicom's pixel_array gives them
  const sc = detail.results.find((x) => x.kind === 'sc');
  assert.ok(sc);
  const [pySc] = readWithPydicom([join(config.dataDir, 'results', digestUid(study), 'SC-1.dcm')]);
  assert.equal(pySc?.json['00080018']?.Value?.[0], sc.sopInstanceUid);
  const scr = await get(`/dicomweb/studies/${study}/series/${sc.seriesInstanceUid}/instances/${sc.sopInstanceUid}/frames/1`);
  assert.equal(sha256(splitMultipart(scr.body, scr.type)[0]?.body ?? Buffer.alloc(0)), pySc?.pixels.sha256, 'RGB key image frame = pydicom bytes');
  if (!existsSync(corpusFile)) {
    if (process.env['CI'] === 'true') throw new Error('shared corpus missing but CI=true');
    t.diagnostic('shared corpus absent: compressed frame not checked');
    return;
  }
  const [pyJ2k] = readWithPydicom([corpusFile]);
  const j = pyJ2k?.json as PydicomView['json'];
  const path = `/dicomweb/studies/${value(j as Dataset, '0020000D')}/series/${value(j as Dataset, '0020000E')}/instances/${value(j as Dataset, '00080018')}/frames/1`;
  const c = await get(path);
  assert.equal(c.status, 200, c.body.toString().slice(0, 200));
  const [cp] = splitMultipart(c.body, c.type);
  assert.equal(pyJ2k?.pixels.dtype, 'int16');
  assert.equal(sha256(cp?.body ?? Buffer.alloc(0)), pyJ2k?.pixels.sha256, 'JPEG 2000 lossless frame = pydicom bytes');
});

test('WADO-RS retrieve: the stored Part 10 files byte for byte (instance, series, study with its results)', async () => {
  const list = await getJson(`/dicomweb/studies/${study}/series/${ctSeries}/instances`);
  const hashes = new Set(files.map((f) => sha256(readFileSync(f))));
  const one = await get(`/dicomweb/studies/${study}/series/${ctSeries}/instances/${value(list[0], '00080018')}`);
  assert.equal(one.status, 200);
  assert.match(one.type, /^multipart\/related; type="application\/dicom"; boundary=/);
  const [p] = splitMultipart(one.body, one.type);
  assert.equal(p?.headers['content-type'], 'application/dicom');
  assert.ok(hashes.has(sha256(p?.body ?? Buffer.alloc(0))), 'an instance comes back as the file sent');
  const series = await get(`/dicomweb/studies/${study}/series/${ctSeries}`);
  assert.deepEqual(new Set(splitMultipart(series.body, series.type).map((x) => sha256(x.body))), hashes, 'the series: every file sent, unchanged');
  const streamed = await fetch(`${base}/dicomweb/studies/${study}`, { headers: auth });
  assert.equal(streamed.headers.get('transfer-encoding'), 'chunked', 'a study retrieve is streamed (no length known up front)');
  await streamed.body?.cancel();
  const whole = await get(`/dicomweb/studies/${study}`);
  const parts = splitMultipart(whole.body, whole.type);
  assert.equal(parts.length, files.length + detail.results.length);
  assert.ok(parts.every((x) => x.body.subarray(128, 132).toString('latin1') === 'DICM'), 'Part 10 files');
});

test('unknown study, series or instance: 404 ICH_E_STUDY_NOT_FOUND on every WADO-RS route', async () => {
  const sop = detail.slices[0]?.sopInstanceUid ?? '';
  for (const path of ['/dicomweb/studies/1.2.3', '/dicomweb/studies/1.2.3/metadata', `/dicomweb/studies/${study}/series/1.2.3`, `/dicomweb/studies/${study}/series/1.2.3/metadata`, `/dicomweb/studies/${study}/series/${ctSeries}/instances/1.2.3`, `/dicomweb/studies/${study}/series/${ctSeries}/instances/1.2.3/metadata`, `/dicomweb/studies/${study}/series/${ctSeries}/instances/1.2.3/frames/1`, `/dicomweb/studies/1.2.3/series/${ctSeries}/instances/${sop}/frames/1`]) {
    const r = await get(path);
    assert.equal(r.status, 404, path);
    assert.equal(JSON.parse(r.body.toString()).code, 'ICH_E_STUDY_NOT_FOUND', path);
  }
});

test('viewer JSON: worklist patient age/sex (pydicom values) and model; study slices in z order with the CT series SOP UIDs; SEG listed as kind "seg"', async (t) => {
  const wl = (await (await fetch(`${base}/api/worklist`, { headers: auth })).json()) as { studies: { studyInstanceUid: string; patient: { age: string | null; sex: string | null }; modelName?: string; modelVersion?: string }[] };
  const e = wl.studies.find((s) => s.studyInstanceUid === study);
  assert.ok(e);
  assert.equal(e.modelName, detail.model.name);
  assert.equal(e.modelVersion, detail.model.version);
  if (requirePydicom(t)) {
    const [py] = readWithPydicom([files[0] as string]);
    assert.deepEqual(e.patient, { age: py?.json['00101010']?.Value?.[0] ?? null, sex: py?.json['00100040']?.Value?.[0] ?? null });
  }
  const zs = detail.slices.map((s) => s.z);
  assert.deepEqual(zs, [...zs].sort((a, b) => a - b), 'slices in z order');
  const instances = await getJson(`/dicomweb/studies/${study}/series/${ctSeries}/instances`);
  assert.deepEqual(new Set(detail.slices.map((s) => s.sopInstanceUid)), new Set(instances.map((i) => value(i, '00080018'))));
  assert.deepEqual([...new Set(detail.results.map((r) => r.kind))].sort(), ['kos', 'sc', 'seg', 'sr']);
  // a row recorded before age and sex were kept shows nulls
  service.ctx.store.recordInstance({ sop_uid: '9.9.1', study_uid: '9.9', series_uid: '9.9.2', path: '/dev/null', bytes: 1, header: {} }, Date.now());
  const old = ((await (await fetch(`${base}/api/worklist`, { headers: auth })).json()) as { studies: { studyInstanceUid: string; patient: unknown; modelName?: string }[] }).studies.find((s) => s.studyInstanceUid === '9.9');
  assert.deepEqual(old?.patient, { age: null, sex: null });
  assert.equal(old?.modelName, undefined, 'no model before scoring');
});

test('worklist subtypes: the classifier\'s plus those the masks located (as the SR reports them), largest volume first', async () => {
  const wl = (await (await fetch(`${base}/api/worklist`, { headers: auth })).json()) as { studies: { studyInstanceUid: string; flagged: boolean; subtypes: string[] }[] };
  const e = wl.studies.find((s) => s.studyInstanceUid === study);
  const d = (await (await fetch(`${base}/api/studies/${study}`, { headers: auth })).json()) as { verdict: { positive: boolean; subtypesPresent: string[] }; volume: Record<string, number> | null };
  assert.ok(e && d.verdict.positive && e.flagged, 'the scored synthetic study (it has a SEG) is flagged');
  const located = Object.entries(d.volume ?? {}).filter(([k, v]) => k !== 'total' && v > 0).map(([k]) => k);
  assert.ok(located.length > 0, 'the masks located blood');
  assert.deepEqual([...e.subtypes].sort(), [...new Set([...d.verdict.subtypesPresent, ...located])].sort());
  const vol = d.volume ?? {};
  for (let i = 1; i < e.subtypes.length; i++) assert.ok((vol[e.subtypes[i - 1] as string] ?? 0) >= (vol[e.subtypes[i] as string] ?? 0), 'largest volume first');
});
