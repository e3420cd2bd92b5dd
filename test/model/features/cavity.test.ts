/**
 * The run-length erosion equals the windowed-minimum definition (square element, outside = 0) on
 * random masks; the cranial cavity of a drawn skull is its inside (the border fill starts: outside
 * the frame is air), and the HU features' old mask is kept apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeSliceCavity, erode } from '../../../src/model/features/cavity.js';
import { computeHuFeatures } from '../../../src/model/features/hu-features.js';
import { drawSkullSlice } from '../../helpers/skull-slice.js';
import { WINDOW_STACKS } from '../../../src/core/windows.js';
import { createRng } from '../../../src/core/random.js';

function erodeNaive(m: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = 1;
      for (let dy = -r; dy <= r && v; dy++)
        for (let dx = -r; dx <= r && v; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          v = yy >= 0 && yy < h && xx >= 0 && xx < w ? (m[yy * w + xx] as number) : 0;
        }
      out[y * w + x] = v;
    }
  return out;
}

test('erode = square-window minimum with zeros outside, for r = 0..4', () => {
  const rng = createRng(5);
  for (const [w, h, p] of [[17, 11, 0.9], [32, 32, 0.97], [5, 40, 0.8]] as const) {
    const m = Uint8Array.from({ length: w * h }, () => (rng.next() < p ? 1 : 0));
    for (let r = 0; r <= 4; r++) assert.deepEqual(erode(m, w, h, r), erodeNaive(m, w, h, r), `${w}×${h} r=${r}`);
  }
});

test('the cavity is what the skull encloses; an open skull encloses nothing; the features keep their old mask', () => {
  const windows = WINDOW_STACKS['bss'] ?? [];
  const cav = computeSliceCavity(drawSkullSlice(), windows);
  const count = (m: Uint8Array): number => m.reduce((a, v) => a + v, 0);
  // inside the ring, CLOSE (3) px away from bone: radius < 17 → ≈ π·17² ≈ 900 px; nothing outside the ring
  assert.ok(count(cav.cavityMask) > 800 && count(cav.cavityMask) < 1000, `cavity ${count(cav.cavityMask)}`);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) if (Math.hypot(y - 32, x - 32) > 20) assert.equal(cav.cavityMask[y * 64 + x], 0, `(${x}, ${y}) outside the skull`);
  assert.equal(count(computeSliceCavity(drawSkullSlice(64, 4), windows).cavityMask), 0);
  // the features' mask (what the shipped head learned from): every pixel > 3 px from bone and from the frame's edge
  const expected = erode(Uint8Array.from(cav.bone, (b) => 1 - b), 64, 64, 3, 0);
  assert.deepEqual(cav.featureMask, expected);
  assert.ok(count(cav.featureMask) > count(cav.cavityMask) + 500, `features ${count(cav.featureMask)}`); // the air around the head too
});

test('erode with outside = 1 keeps runs that reach the edge', () => {
  const m = Uint8Array.from([1, 1, 1, 0, 1, 1, 1, 1]);
  // 1-D along x with h = 1: along y every pixel is at both edges, which count as 1 too
  assert.deepEqual([...erode(m, 8, 1, 1, 1)], [1, 1, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual([...erode(m, 8, 1, 1, 0)], [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('HU features read the region the card names: the cavity, or the old frame region (scalp included)', () => {
  const windows = WINDOW_STACKS['bss'] ?? [];
  const img = drawSkullSlice(64, 0, 30, 40);
  const cav = computeSliceCavity(img, windows);
  const count = (m: Uint8Array): number => m.reduce((a, v) => a + v, 0);
  const n = 64 * 64;
  // f[0]: share of the frame that is region pixels reading −5…100 HU — brain (30) in the cavity; brain and scalp (40) in the frame region
  assert.ok(Math.abs((computeHuFeatures(img, windows, undefined, 'cavity')[0] as number) - count(cav.cavityMask) / n) < 1e-6);
  const frame = computeHuFeatures(img, windows, undefined, 'frame')[0] as number;
  assert.ok(frame > count(cav.cavityMask) / n + 0.05, `frame ${frame}`);
  assert.deepEqual(computeHuFeatures(img, windows), computeHuFeatures(img, windows, undefined, 'frame'));
});
