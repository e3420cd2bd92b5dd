import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAugment, drawAugmentParams, IDENTITY_AUGMENT, type AugmentConfig, type AugmentParams } from '../../src/preprocess/index.js';
import { createRng } from '../../src/core/random.js';
import type { Image } from '../../src/core/tensor.js';

const CFG: AugmentConfig = { flipProbability: 0.5, rotationDeg: 15, scale: 0.1, shiftPx: 8, minCrop: 0.8, huOffset: 20, huScale: 0.05 };

function pattern(h: number, w: number, c: number): Image<'float32'> {
  const data = new Float32Array(h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 101) / 100;
  return { dtype: 'float32', data, shape: [h, w, c] };
}

test('same seed → same parameters and same image; another seed differs', () => {
  const draw = (seed: number): AugmentParams[] => {
    const rng = createRng(seed);
    return Array.from({ length: 20 }, () => drawAugmentParams(rng, CFG));
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  const img = pattern(32, 32, 3);
  const p = draw(7)[3] as AugmentParams;
  assert.deepEqual(Array.from(applyAugment(img, p).data), Array.from(applyAugment(img, p).data));
});

test('parameters stay inside the configured ranges', () => {
  const rng = createRng(1);
  let flips = 0;
  for (let i = 0; i < 2000; i++) {
    const p = drawAugmentParams(rng, CFG);
    if (p.flipH) flips++;
    assert.ok(Math.abs(p.rotationDeg) <= 15 && Math.abs(p.scale - 1) <= 0.1 && Math.abs(p.shiftX) <= 8 && Math.abs(p.shiftY) <= 8);
    assert.ok(p.cropSize >= 0.8 && p.cropSize <= 1 && p.cropX >= 0 && p.cropX + p.cropSize <= 1 + 1e-12 && p.cropY + p.cropSize <= 1 + 1e-12);
    assert.ok(Math.abs(p.huOffset) <= 20 && Math.abs(p.huScale - 1) <= 0.05);
  }
  assert.ok(flips > 900 && flips < 1100, `flip rate ${flips / 2000}`);
  // An empty config draws the identity.
  assert.deepEqual(drawAugmentParams(createRng(3), {}), IDENTITY_AUGMENT);
});

test('enabling one augmentation does not change the others for a seed', () => {
  const a = drawAugmentParams(createRng(9), { rotationDeg: 10 });
  const b = drawAugmentParams(createRng(9), { rotationDeg: 10, flipProbability: 1, shiftPx: 4 });
  assert.equal(a.rotationDeg, b.rotationDeg);
  assert.equal(b.flipH, true);
});

test('identity parameters are the identity; a flip twice is the identity', () => {
  const img = pattern(17, 23, 2);
  assert.deepEqual(Array.from(applyAugment(img, IDENTITY_AUGMENT).data), Array.from(img.data));
  // A tiny rotation forces the general sampler; at 0 rotation it must reproduce pixels exactly too.
  const shiftZero = { ...IDENTITY_AUGMENT, shiftX: 0, shiftY: 0, scale: 1, flipH: true };
  const twice = applyAugment(applyAugment(img, shiftZero), shiftZero);
  assert.deepEqual(Array.from(twice.data), Array.from(img.data));
});

test('horizontal flip mirrors columns; integer shift moves pixels and fills with 0', () => {
  const img: Image<'uint8'> = { dtype: 'uint8', data: Uint8Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3, 1] };
  assert.deepEqual(Array.from(applyAugment(img, { ...IDENTITY_AUGMENT, flipH: true }).data), [3, 2, 1, 6, 5, 4]);
  assert.deepEqual(Array.from(applyAugment(img, { ...IDENTITY_AUGMENT, shiftX: 1 }).data), [0, 1, 2, 0, 4, 5]);
  assert.deepEqual(Array.from(applyAugment(img, { ...IDENTITY_AUGMENT, shiftY: -1 }).data), [4, 5, 6, 0, 0, 0]);
});

test('rotation +90° turns counter-clockwise on screen: a dot right of centre goes above it', () => {
  const n = 9;
  const data = new Float32Array(n * n);
  data[4 * n + 7] = 1; // row 4 (centre row), column 7 (right of centre)
  const out = applyAugment<'float32'>({ dtype: 'float32', data, shape: [n, n, 1] }, { ...IDENTITY_AUGMENT, rotationDeg: 90 });
  const at = (y: number, x: number): number => out.data[y * n + x] as number;
  assert.ok(Math.abs(at(1, 4) - 1) < 1e-9, `expected the dot at (1,4), got ${at(1, 4)}`);
  let total = 0;
  for (const v of out.data) total += v;
  assert.ok(Math.abs(total - 1) < 1e-9);
});

test('crop of the central half, scaled back, magnifies ×2 about the centre', () => {
  const n = 8;
  const img = pattern(n, n, 1);
  const out = applyAugment(img, { ...IDENTITY_AUGMENT, cropX: 0.25, cropY: 0.25, cropSize: 0.5 });
  // Output pixel (x, y) samples source index 2 + (x + 0.5) / 2 − 0.5 per axis; check (1, 1) bilinearly.
  const sx = 2 + (1 + 0.5) * 0.5 - 0.5;
  const x0 = Math.floor(sx);
  const f = sx - x0;
  const src = (y: number, x: number): number => img.data[y * n + x] as number;
  const expected = (1 - f) * (1 - f) * src(x0, x0) + f * (1 - f) * (src(x0, x0 + 1) + src(x0 + 1, x0)) + f * f * src(x0 + 1, x0 + 1);
  assert.ok(Math.abs((out.data[1 * n + 1] as number) - expected) < 1e-6);
});
