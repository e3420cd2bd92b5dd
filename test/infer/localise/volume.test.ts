/**
 * Volume arithmetic on hand-worked examples: slabs from positions (even spacing, a gap, an
 * overlap), mL from pixel counts, diameters of a rectangle and ABC/2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeAbcOver2Ml, computeSliceSlabs, computeVolumeMl, countLabelPixels, measureDiameters } from '../../../src/infer/localise/volume.js';

test('slabs: each slice stands for half the way to its neighbours; ends take the one-sided spacing', () => {
  assert.deepEqual(computeSliceSlabs([0, 5, 10, 15], 3), [5, 5, 5, 5]);
  // a missing slice at z = 10: its neighbours share the gap
  assert.deepEqual(computeSliceSlabs([0, 5, 15, 20], 3), [5, 7.5, 7.5, 5]);
  // overlapping 5 mm slices every 2.5 mm count once
  assert.deepEqual(computeSliceSlabs([0, 2.5, 5], 5), [2.5, 2.5, 2.5]);
  // unknown positions: the fallback thickness
  assert.deepEqual(computeSliceSlabs([0, null, 10], 5), [5, 5, 5]);
  assert.deepEqual(computeSliceSlabs([3], 5), [5]);
});

test('volume: pixels × row spacing × column spacing × slab, per subtype and total, in mL', () => {
  const a = new Uint8Array([0, 1, 1, 5, 0, 2]);
  assert.deepEqual(countLabelPixels(a), [2, 1, 0, 0, 1]);
  // 1000 epidural pixels of 0.5 × 0.5 mm on a 4 mm slab = 1000 mm³ = 1 mL; 400 subdural on 2 mm = 0.2 mL
  const v = computeVolumeMl([[1000, 0, 0, 0, 0], [0, 0, 0, 0, 400]], [4, 2], [0.5, 0.5]);
  assert.equal(v.epidural, 1);
  assert.equal(v.subdural, 0.2);
  assert.equal(v.total, 1.2);
  assert.equal(v.intraparenchymal, 0);
});

test('diameters of a 20 × 10 pixel rectangle at 0.5 mm and its ABC/2', () => {
  const w = 40;
  const h = 30;
  const m = new Uint8Array(w * h);
  for (let y = 5; y < 15; y++) for (let x = 10; x < 30; x++) m[y * w + x] = 1;
  const d = measureDiameters(m, h, w, [0.5, 0.5]);
  // longest extent is the diagonal-ish direction of the 10 × 5 mm box, at least its 10 mm length
  assert.ok(d.a >= 10 && d.a <= Math.hypot(10, 5) + 0.5, `A ${d.a}`);
  assert.ok(d.b > 0 && d.b <= d.a, `B ${d.b}`);
  // A = 30, B = 20, C = 10 mm → 30·20·10 / 2 = 3000 mm³ = 3 mL
  assert.equal(computeAbcOver2Ml(30, 20, 10), 3);
});
