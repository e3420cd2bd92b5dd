import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSynthDataset, decodeSliceMask, countMaskBits, STATE_DIR } from '../../src/synth/index.js';
import type { StudyRecord } from '../../src/synth/index.js';
import { HEMORRHAGE_SUBTYPES, SUBTYPES } from '../../src/core/subtypes.js';
import { isIchError } from '../../src/core/errors.js';
import { hashTree, makeTempDir, SMALL } from './helpers.js';

interface StudiesJson {
  studies: StudyRecord[];
}

test('same seed → byte-identical output; another seed → different output', async () => {
  const a = makeTempDir('a');
  const b = makeTempDir('b');
  const c = makeTempDir('c');
  try {
    await generateSynthDataset({ ...SMALL, out: a });
    await generateSynthDataset({ ...SMALL, out: b });
    await generateSynthDataset({ ...SMALL, seed: SMALL.seed + 1, out: c });
    assert.equal(hashTree(a), hashTree(b));
    assert.notEqual(hashTree(a), hashTree(c));
  } finally {
    for (const d of [a, b, c]) rmSync(d, { recursive: true, force: true });
  }
});

test('labels agree with masks, labels.csv is in Kaggle format, volumes follow from mask pixels, UIDs are unique', async () => {
  const out = makeTempDir('labels');
  try {
    const summary = await generateSynthDataset({ ...SMALL, out });
    const studies = (JSON.parse(readFileSync(join(out, 'studies.json'), 'utf8')) as StudiesJson).studies;
    const csv = readFileSync(join(out, 'labels.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(csv[0], 'ID,Label');
    const csvLabels = new Map(csv.slice(1).map((l) => l.split(',') as [string, string]));
    const images = readdirSync(join(out, 'images')).sort();
    assert.equal(images.length, summary.slices);
    assert.equal(csv.length - 1, 6 * summary.slices, '6 rows per image');
    const uids = new Set<string>();
    let positives = 0;
    for (const st of studies) {
      uids.add(st.studyInstanceUid).add(st.seriesInstanceUid);
      const z = st.slices.map((s) => s.z);
      assert.deepEqual(z, [...z].sort((p, q) => p - q), 'slices listed in ascending z');
      let voxels = [0, 0, 0, 0, 0];
      for (const sl of st.slices) {
        uids.add(sl.sopInstanceUid);
        assert.ok(images.includes(`${sl.imageId}.dcm`));
        const mask = decodeSliceMask(readFileSync(join(out, 'masks', `${sl.imageId}.mask.gz`)), sl.imageId);
        assert.equal(mask.rows, SMALL.size);
        const counts = countMaskBits(mask.bits);
        voxels = voxels.map((v, i) => v + (counts[i] ?? 0));
        HEMORRHAGE_SUBTYPES.forEach((s, i) => {
          assert.equal(sl.labels[s], (counts[i] ?? 0) > 0 ? 1 : 0, `${sl.imageId} ${s} label iff mask pixels`);
          assert.equal(sl.bloodPixels[s], counts[i]);
        });
        assert.equal(sl.labels.any, counts.some((c) => c > 0) ? 1 : 0, 'any = OR of subtypes');
        if (sl.labels.any) positives++;
        for (const s of SUBTYPES) assert.equal(csvLabels.get(`${sl.imageId}_${s}`), String(sl.labels[s]));
      }
      HEMORRHAGE_SUBTYPES.forEach((s, i) => {
        const ml = ((voxels[i] ?? 0) * st.pixelSpacing ** 2 * st.sliceThickness) / 1000;
        assert.ok(Math.abs(st.bloodVolumeMl[s] - ml) < 1e-3, `${s} volume`);
      });
    }
    assert.equal(uids.size, 2 * studies.length + summary.slices, 'study, series and SOP UIDs are all distinct');
    assert.equal(positives, summary.positiveSlices);
    assert.ok(summary.positiveStudies >= 1, 'prevalence 1 gives bleeding studies');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('refuses a non-empty folder, --force replaces only synth outputs, --resume completes a killed run identically', async () => {
  const ref = makeTempDir('ref');
  const out = makeTempDir('resume');
  try {
    await generateSynthDataset({ ...SMALL, out: ref });
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await assert.rejects(generateSynthDataset({ ...SMALL, out }), (e: unknown) => isIchError(e, 'ICH_E_OUTPUT_EXISTS'));
    await assert.rejects(generateSynthDataset({ ...SMALL, out, resume: true }), (e: unknown) => isIchError(e, 'ICH_E_OUTPUT_EXISTS'));
    await generateSynthDataset({ ...SMALL, out, force: true });
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine', 'force keeps files that are not synth outputs');
    rmSync(join(out, 'notes.txt'));
    assert.equal(hashTree(out), hashTree(ref));
    // Simulate a kill during study 1: its commit record, final outputs and some slices are missing,
    // and a half-written temporary file is left behind.
    const study1 = JSON.parse(readFileSync(join(out, STATE_DIR, 'study-0000001.json'), 'utf8')) as StudyRecord;
    rmSync(join(out, STATE_DIR, 'study-0000001.json'));
    rmSync(join(out, 'labels.csv'));
    rmSync(join(out, 'studies.json'));
    for (const sl of study1.slices.slice(3)) rmSync(join(out, 'images', `${sl.imageId}.dcm`));
    writeFileSync(join(out, 'images', '.tmp-1-0-1-ID_000000000.dcm'), 'partial');
    await assert.rejects(generateSynthDataset({ ...SMALL, out, resume: true, seed: 99 }), (e: unknown) => isIchError(e, 'ICH_E_USAGE'));
    const summary = await generateSynthDataset({ ...SMALL, out, resume: true });
    assert.equal(summary.resumedStudies, 1);
    assert.ok(!existsSync(join(out, 'images', '.tmp-1-0-1-ID_000000000.dcm')));
    assert.equal(hashTree(out), hashTree(ref));
  } finally {
    rmSync(ref, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test('bad options are usage errors', async () => {
  const out = makeTempDir('bad');
  try {
    for (const bad of [{ studies: 0 }, { slicesPerStudy: [9, 8] as [number, number] }, { size: 16 }, { prevalence: 1.5 }, { seed: -1 }]) {
      await assert.rejects(generateSynthDataset({ ...SMALL, ...bad, out }), (e: unknown) => isIchError(e, 'ICH_E_USAGE'));
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
