/**
 * Lesion insertion into real CT: the unlabelled RSNA series of ../shared/data (36 slices,
 * explicit VR, 16-bit signed). Skips with a message where the shared data is absent; fails then
 * under CI=true.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { HEMORRHAGE_SUBTYPES } from '../../src/core/subtypes.js';
import { SUBTYPE_BIT } from '../../src/synth/index.js';
import { insertLesionsIntoFolder } from '../../src/synth/insert/index.js';
import { requireSharedData } from '../helpers/shared-data.js';
import { hashTree, makeTempDir } from './helpers.js';
import { distanceToBone, enclosedByBone, readOutputSlices, readStudies } from './insert-helpers.js';

const root = makeTempDir('insert-real');
after(() => rmSync(root, { recursive: true, force: true }));

test('lesions inserted into the unlabelled RSNA series sit inside the skull, at blood density, consistent across slices', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const source = join(shared, 'rsna-unlabeled-series');
  const before = hashTree(source);
  const subtypes = new Set<string>();
  // Seed 3 draws a basal subarachnoid and a subdural bleed into this series.
  for (const seed of [3]) {
    const out = join(root, `seed-${seed}`);
    const summary = await insertLesionsIntoFolder({ insertInto: source, out, seed, perSliceProb: 1, minSlices: 8 });
    assert.equal(summary.series, 1);
    assert.equal(summary.slices, 36);
    assert.equal(summary.failures, 0);
    assert.ok(summary.positiveSlices >= 5, `seed ${seed}: ${summary.positiveSlices} positive slices`);
    const record = readStudies(out).series[0];
    assert.ok(record && record.brainSlices, 'brain slices found');
    const slices = await readOutputSlices(out, source, false);
    for (const s of slices) {
      for (let k = 0; k < s.hu.length; k++) {
        if (s.hu[k] === s.sourceHu[k]) continue;
        assert.ok((s.sourceHu[k] as number) > -60 && (s.sourceHu[k] as number) < 100, `${s.record.imageId}: changed a pixel of ${s.sourceHu[k]} HU`);
      }
      for (const subtype of HEMORRHAGE_SUBTYPES) {
        const px: number[] = [];
        s.mask.forEach((b, k) => {
          if (b & SUBTYPE_BIT[subtype]) px.push(k);
        });
        if (px.length === 0) continue;
        subtypes.add(subtype);
        for (const k of px.filter((_, i) => i % 5 === 0)) assert.ok(enclosedByBone(s.sourceHu, s.rows, s.cols, k), `${s.record.imageId} ${subtype}: pixel ${k} outside the skull`);
        const mean = px.reduce((n, k) => n + (s.hu[k] as number), 0) / px.length;
        assert.ok(mean > 30 && mean < 92, `${s.record.imageId} ${subtype}: mean ${mean.toFixed(1)} HU`);
        if (subtype === 'subdural' || subtype === 'epidural') {
          const near = Math.min(...px.map((k) => distanceToBone(s.sourceHu, s, k, 5)));
          assert.ok(near <= 3, `${s.record.imageId} ${subtype}: ${near.toFixed(1)} mm from bone`);
        }
      }
    }
    // Extra-axial and parenchymal bleeds: one run of slices, neighbours overlap.
    for (const subtype of ['subdural', 'epidural', 'intraparenchymal'] as const) {
      const bit = SUBTYPE_BIT[subtype];
      const flags = slices.map((s) => s.mask.some((b) => (b & bit) !== 0));
      const runs = flags.filter((f, i) => f && !flags[i - 1]).length;
      assert.ok(runs <= record.lesions.filter((l) => l['subtype'] === subtype).length, `${subtype}: ${flags.map(Number).join('')}`);
      for (let i = 1; i < slices.length; i++) {
        const p = slices[i - 1]?.mask;
        const q = slices[i]?.mask;
        if (!p || !q || !flags[i - 1] || !flags[i]) continue;
        assert.ok(p.some((b, k) => (b & bit) !== 0 && ((q[k] as number) & bit) !== 0), `${subtype}: slices ${i - 1} and ${i} do not overlap`);
      }
    }
    if (spawnSync('dciodvfy', ['-help'], { encoding: 'utf8' }).error === undefined) {
      const positive = record.slices.find((s) => s.labels.any);
      assert.ok(positive);
      const r = spawnSync('dciodvfy', [join(out, 'images', `${positive.imageId}.dcm`)], { encoding: 'utf8' });
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, /Error/i, `${r.stdout}${r.stderr}`);
    }
  }
  assert.ok(subtypes.has('subdural') && subtypes.has('subarachnoid'), [...subtypes].join(', '));
  assert.equal(hashTree(source), before, 'source files unchanged');
});
