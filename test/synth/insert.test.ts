/**
 * Lesion insertion (`synth --insert-into`) on synthetic negative studies made by the project's
 * generator — one series per pixel encoding — so these tests need no real data.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEMORRHAGE_SUBTYPES, SUBTYPES } from '../../src/core/subtypes.js';
import { decodeSliceMask, SUBTYPE_BIT } from '../../src/synth/index.js';
import { insertLesionsIntoFolder, type InsertOptions } from '../../src/synth/insert/index.js';
import { storedValueFor } from '../../src/synth/insert/write-slice.js';
import { computeHu, readDicomHeader, type CtMeta } from '../../src/dicom/index.js';
import { readMaskedSlices } from '../../src/train/blood-masks.js';
import { runCliCaptured } from '../helpers/cli.js';
import { hashTree, makeTempDir } from './helpers.js';
import { distanceToBone, enclosedByBone, readOutputSlices, readStudies, writeNegativeStudies } from './insert-helpers.js';

const root = makeTempDir('insert');
after(() => rmSync(root, { recursive: true, force: true }));
const source = join(root, 'source');
const encodings = writeNegativeStudies(source);
writeFileSync(join(source, 'junk.dcm'), 'this is not a DICOM file');
const sourceHash = hashTree(source);
const options = (out: string, extra: Partial<InsertOptions> = {}): InsertOptions => ({ insertInto: source, out, seed: 4, perSliceProb: 1, minSlices: 4, ...extra });
// Seed 4 draws epidural, intraparenchymal, intraventricular and subarachnoid bleeds, seed 3
// subdural and intraparenchymal ones: the placement tests look at both.
const outA = join(root, 'a');
const summaryA = await insertLesionsIntoFolder(options(outA));
const outC = join(root, 'c');
await insertLesionsIntoFolder(options(outC, { seed: 3 }));

test('insertion writes every source series with lesions, records the bad file, and leaves the source untouched', () => {
  assert.deepEqual([...encodings].sort(), ['int16', 'uint12', 'uint12-rsna-wrapped']);
  assert.equal(summaryA.series, 3);
  assert.equal(summaryA.slices, 30);
  assert.equal(summaryA.positiveSeries, 3, 'per-slice-prob 1: every series bleeds');
  assert.ok(summaryA.positiveSlices >= 6, `positive slices ${summaryA.positiveSlices}`);
  const studies = readStudies(outA);
  assert.deepEqual(studies.failures.map((f) => [f.file, f.code]), [['junk.dcm', 'ICH_E_NOT_DICOM']]);
  assert.equal(readdirSync(join(outA, 'images')).length, 30);
  assert.equal(readdirSync(join(outA, 'masks')).length, 30);
  assert.equal(hashTree(source), sourceHash, 'source files unchanged');
  // New UIDs (never the source's), the source's geometry and PatientID.
  for (const series of studies.series) {
    const first = series.slices[0];
    assert.ok(first);
    const out = readDicomHeader(readFileSync(join(outA, 'images', `${first.imageId}.dcm`)), first.imageId);
    const src = readDicomHeader(readFileSync(join(source, first.source)), first.source);
    assert.notEqual(out.sopInstanceUid, src.sopInstanceUid);
    assert.notEqual(out.seriesInstanceUid, src.seriesInstanceUid);
    assert.notEqual(out.studyInstanceUid, src.studyInstanceUid);
    assert.equal(out.patientId, src.patientId);
    assert.deepEqual([out.imagePositionPatient, out.imageOrientationPatient, out.pixelSpacing, out.sliceThickness], [src.imagePositionPatient, src.imageOrientationPatient, src.pixelSpacing, src.sliceThickness]);
    assert.deepEqual([out.bitsStored, out.pixelRepresentation, out.rescaleIntercept, out.needsRsna12BitFix], [src.bitsStored, src.pixelRepresentation, src.rescaleIntercept, src.needsRsna12BitFix]);
  }
});

test('the same seed gives a byte-identical folder; another seed another one', async () => {
  const outB = join(root, 'b');
  await insertLesionsIntoFolder(options(outB));
  assert.equal(hashTree(outB), hashTree(outA));
  assert.notEqual(hashTree(outC), hashTree(outA));
});

test('a run killed mid-series and resumed equals a clean run', async () => {
  const out = join(root, 'resumed');
  const kill = new Error('killed');
  await assert.rejects(
    insertLesionsIntoFolder(
      options(out, {
        onProgress: (done) => {
          if (done === 14) throw kill;
        },
      }),
    ),
    (e) => e === kill,
  );
  assert.ok(existsSync(join(out, '.synth', 'series-0000000.json')), 'first series committed');
  assert.ok(!existsSync(join(out, '.synth', 'series-0000001.json')), 'second series interrupted');
  writeFileSync(join(out, 'images', '.tmp-123-0-1-ID_x.dcm'), 'half a file');
  await assert.rejects(insertLesionsIntoFolder(options(out)), /ICH_E_OUTPUT_EXISTS|not empty/);
  await assert.rejects(insertLesionsIntoFolder(options(out, { resume: true, seed: 9 })), /same input and options/);
  const resumed = await insertLesionsIntoFolder(options(out, { resume: true }));
  assert.equal(resumed.resumedSeries, 1);
  assert.equal(hashTree(out), hashTree(outA));
});

test('labels come from the masks (any = OR) and the training reader takes the folder unchanged', async () => {
  const csv = readFileSync(join(outA, 'labels.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'ID,Label');
  assert.equal(csv.length, 1 + 30 * SUBTYPES.length);
  const labels = new Map(csv.slice(1).map((l) => l.split(',') as [string, string]));
  for (const name of readdirSync(join(outA, 'masks'))) {
    const id = name.replace('.mask.gz', '');
    const bits = decodeSliceMask(readFileSync(join(outA, 'masks', name)), name).bits;
    let anyBit = 0;
    for (const b of bits) anyBit |= b;
    for (const s of HEMORRHAGE_SUBTYPES) assert.equal(labels.get(`${id}_${s}`), anyBit & SUBTYPE_BIT[s] ? '1' : '0', `${id} ${s}`);
    assert.equal(labels.get(`${id}_any`), anyBit ? '1' : '0', `${id} any`);
  }
  const slices = await readMaskedSlices(outA, { size: 256, stride: 4 });
  assert.equal(slices.length, 30);
  assert.equal(slices.filter((s) => s.bloodCells.length > 0).length, summaryA.positiveSlices);
});

test('blood lies where its subtype belongs, inside the skull, at blood density', async () => {
  const slices = [...(await readOutputSlices(outA, source)), ...(await readOutputSlices(outC, source))];
  const seen = new Set<string>();
  for (const s of slices) {
    const thickness = Math.max(0, ...s.series.lesions.map((l) => Number(l['thickness'] ?? 0)));
    for (const subtype of HEMORRHAGE_SUBTYPES) {
      const bit = SUBTYPE_BIT[subtype];
      const px: number[] = [];
      s.mask.forEach((b, k) => {
        if (b & bit) px.push(k);
      });
      if (px.length === 0) continue;
      seen.add(subtype);
      const where = `${s.record.imageId} ${subtype}`;
      for (const k of px) {
        const src = s.sourceHu[k] as number;
        assert.ok(src > -60 && src < 100, `${where}: blood on a source pixel of ${src} HU (not brain/CSF)`);
        assert.ok(enclosedByBone(s.sourceHu, s.rows, s.cols, k), `${where}: blood outside the skull at pixel ${k}`);
      }
      // Blood in CSF shares its voxels with CSF at the mask's edge (α ≥ 0.5 of 40–90 HU blood in 0–15 HU CSF).
      const fillsCsf = subtype === 'intraventricular' || subtype === 'subarachnoid';
      const meanHu = px.reduce((t, k) => t + (s.hu[k] as number), 0) / px.length;
      assert.ok(meanHu >= (fillsCsf ? 30 : 38) && meanHu <= 92, `${where}: mean ${meanHu.toFixed(1)} HU is not blood`);
      const gain = px.reduce((t, k) => t + (s.hu[k] as number) - (s.sourceHu[k] as number), 0) / px.length;
      assert.ok(gain >= (fillsCsf ? 15 : 5), `${where}: blood only ${gain.toFixed(1)} HU above what was there`);
      if (subtype === 'epidural' || subtype === 'subdural') {
        const near = Math.min(...px.map((k) => distanceToBone(s.sourceHu, s, k, 6)));
        assert.ok(near <= 3, `${where}: extra-axial blood ${near.toFixed(1)} mm from bone`);
        const far = Math.max(...px.filter((_, i) => i % 7 === 0).map((k) => distanceToBone(s.sourceHu, s, k, thickness + 4)));
        assert.ok(far <= thickness + 3, `${where}: extra-axial blood ${far.toFixed(1)} mm from bone (max thickness ${thickness.toFixed(1)} mm)`);
      }
      if (subtype === 'intraventricular' || subtype === 'subarachnoid') {
        const csf = px.filter((k) => (s.sourceHu[k] as number) < 22).length;
        assert.ok(csf >= 0.8 * px.length, `${where}: only ${csf} of ${px.length} blood pixels were CSF`);
      }
    }
  }
  assert.deepEqual([...seen].sort(), [...HEMORRHAGE_SUBTYPES].sort(), 'every subtype is checked');
});

/**
 * Consistency across slices: positive neighbours overlap, and a lesion is one run of positive
 * slices. Subarachnoid blood follows each slice's own CSF, which a 5 mm slice may lack where sulci
 * are thin: its masks need only overlap within 3 mm, and a run may skip one slice.
 */
const MIN_AREA = 10;

async function checkConsistency(out: string): Promise<void> {
  const all = await readOutputSlices(out, source, false);
  const series = readStudies(out).series;
  for (const subtype of HEMORRHAGE_SUBTYPES) {
    const bit = SUBTYPE_BIT[subtype];
    const sah = subtype === 'subarachnoid';
    for (let i = 1; i < all.length; i++) {
      const p = all[i - 1];
      const q = all[i];
      if (!p || !q || p.series.index !== q.series.index) continue;
      const reach = sah ? Math.ceil(3 / p.dx) : 0;
      let areaP = 0, areaQ = 0, both = 0;
      for (let k = 0; k < p.mask.length; k++) {
        const a = ((p.mask[k] as number) & bit) !== 0;
        areaP += Number(a);
        areaQ += Number(((q.mask[k] as number) & bit) !== 0);
        if (!a || both > 0) continue;
        const r = Math.floor(k / p.cols), c = k % p.cols;
        for (let y = Math.max(0, r - reach); y <= Math.min(p.rows - 1, r + reach) && both === 0; y++)
          for (let x = Math.max(0, c - reach); x <= Math.min(p.cols - 1, c + reach); x++)
            if (((q.mask[y * p.cols + x] as number) & bit) !== 0) {
              both++;
              break;
            }
      }
      // a few pixels are the fading end of a lesion
      if (Math.min(areaP, areaQ) >= MIN_AREA) assert.ok(both > 0, `${subtype}: slices ${p.k} (${areaP} px) and ${q.k} (${areaQ} px) of series ${p.series.index} do not overlap`);
    }
    for (const record of series) {
      let flags = all.filter((s) => s.series.index === record.index).map((s) => s.mask.some((b) => (b & bit) !== 0));
      if (sah) flags = flags.map((f, i) => f || (flags[i - 1] === true && flags[i + 1] === true)); // bridge one-slice gaps
      const runs = flags.filter((f, i) => f && !flags[i - 1]).length;
      const lesions = record.lesions.filter((l) => l['subtype'] === subtype).length;
      assert.ok(runs <= lesions, `${subtype}: ${runs} runs of positive slices for ${lesions} lesion(s) in series ${record.index}: ${flags.map(Number).join('')}`);
    }
  }
}

test('a lesion on slice k overlaps its mask on the next slice unless it ends there', async () => {
  await checkConsistency(outA);
  await checkConsistency(outC);
});

test('output reads back through src/dicom: untouched pixels keep their exact HU, stored values invert for every encoding', async () => {
  const all = await readOutputSlices(outA, source, false);
  for (const s of all) {
    let changed = 0;
    for (let k = 0; k < s.hu.length; k++) {
      if (s.hu[k] === s.sourceHu[k]) continue;
      changed++;
      assert.ok((s.sourceHu[k] as number) > -60 && (s.sourceHu[k] as number) < 100, `${s.record.imageId}: pixel ${k} changed outside brain/CSF`);
    }
    if (!s.record.labels.any) assert.equal(changed, 0, `${s.record.imageId} has no blood but changed pixels`);
  }
  const metas: Partial<CtMeta>[] = [
    { pixelRepresentation: 1, bitsStored: 16, rescaleIntercept: -1024, rescaleSlope: 1, needsRsna12BitFix: false },
    { pixelRepresentation: 0, bitsStored: 12, rescaleIntercept: -1024, rescaleSlope: 1, needsRsna12BitFix: false },
    { pixelRepresentation: 0, bitsStored: 12, rescaleIntercept: 1, rescaleSlope: 1, needsRsna12BitFix: true },
  ];
  for (const m of metas) {
    const meta = { ...m, frames: 1, rows: 1, columns: 5 } as CtMeta;
    const hu = [-1000, 0, 37, 88, 1500];
    const stored = hu.map((h) => storedValueFor(meta, h));
    const data = meta.pixelRepresentation === 1 ? Int16Array.from(stored) : Uint16Array.from(stored);
    assert.deepEqual([...computeHu({ data, rows: 1, columns: 5, frames: 1 }, meta, { rsna12BitFix: true })], hu, JSON.stringify(m));
  }
});

test('dciodvfy reports no errors for the inserted slices of each encoding', (t) => {
  if (spawnSync('dciodvfy', ['-help'], { encoding: 'utf8' }).error !== undefined) {
    if (process.env['CI'] === 'true') throw new Error('dciodvfy is missing but CI=true: install dicom3tools');
    t.skip('dciodvfy not installed (apt-get install -y dicom3tools)');
    return;
  }
  for (const series of readStudies(outA).series) {
    const slice = series.slices.find((s) => s.labels.any) ?? series.slices[0];
    assert.ok(slice);
    const r = spawnSync('dciodvfy', [join(outA, 'images', `${slice.imageId}.dcm`)], { encoding: 'utf8' });
    const report = `${r.stdout}${r.stderr}`;
    assert.doesNotMatch(report, /Error/i, report);
    assert.match(report, /CTImage/, 'dciodvfy recognised a CT Image');
  }
});

test('--labels keeps only slices whose any label is 0', async () => {
  const bySeries = new Map<string, string[]>();
  for (const name of readdirSync(source).filter((f) => f.startsWith('ID_')).sort()) {
    const uid = readDicomHeader(readFileSync(join(source, name)), name).seriesInstanceUid ?? '';
    bySeries.set(uid, [...(bySeries.get(uid) ?? []), name.replace('.dcm', '')]);
  }
  const [first, second] = [...bySeries.keys()].sort().map((k) => bySeries.get(k) ?? []);
  assert.ok(first && second);
  // first series all negative; second negative but for one slice; third unlabelled
  const rows = ['ID,Label', ...first.map((id) => `${id}_any,0`), ...second.map((id, i) => `${id}_any,${i === 4 ? 1 : 0}`)];
  const labels = join(root, 'labels.csv');
  writeFileSync(labels, `${rows.join('\n')}\n`);
  const out = join(root, 'labelled');
  const s = await insertLesionsIntoFolder(options(out, { labels }));
  assert.deepEqual([s.series, s.slices, s.skipped, s.failures], [2, 19, 11, 1]);
  const used = new Set(readStudies(out).series.flatMap((r) => r.slices.map((sl) => sl.source.replace('.dcm', ''))));
  assert.ok(!used.has(second[4] as string), 'the positive slice is left out');
  writeFileSync(labels, 'image,any\n');
  await assert.rejects(insertLesionsIntoFolder(options(join(root, 'bad-labels'), { labels })), /ICH_E_BAD_LABELS|ID,Label/);
});

test('ichscan synth --insert-into prints a JSON summary; --studies with it is refused', async () => {
  const out = join(root, 'cli');
  const r = await runCliCaptured(['synth', '--insert-into', source, '--out', out, '--seed', '4', '--per-slice-prob', '1', '--min-slices', '4', '--json', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { series: number; slices: number; failures: number };
  assert.deepEqual([s.series, s.slices, s.failures], [3, 30, 1]);
  assert.equal(hashTree(out), hashTree(outA));
  const bad = await runCliCaptured(['synth', '--insert-into', source, '--studies', '2', '--out', join(root, 'x')]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--studies does not apply/);
  const noInput = await runCliCaptured(['synth', '--labels', 'x.csv', '--studies', '1', '--out', join(root, 'y')]);
  assert.match(noInput.stderr, /--labels needs --insert-into/);
});
