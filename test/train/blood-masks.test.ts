/**
 * Mask-supervised crops for the blood segmenter, on a small generated synthetic set (2 bleeding
 * studies × 8 slices at 256², seed 7): block fractions by hand, determinism, and — the property
 * that matters — crop and target line up (with flips), checked against the image itself: the
 * pixels under cells the mask calls all-blood read as blood (40–100 HU) in the crop.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createRng } from '../../src/core/random.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { generateSynthDataset } from '../../src/synth/index.js';
import { computeBlockFractions, drawCropBatch, readMaskedSlices, type CropOptions, type MaskedSlice } from '../../src/train/blood-masks.js';
import { makeTempDir } from '../synth/helpers.js';

const WINDOWS = [...(WINDOW_STACKS['bss'] ?? [])];
let dir = '';
let slices: MaskedSlice[] = [];
const O: CropOptions = { size: 128, stride: 4, windows: WINDOWS, crop: 64, positiveShare: 1, huOffset: 0, huScale: 0 };

before(async () => {
  dir = makeTempDir('bleedseg');
  await generateSynthDataset({ studies: 2, slicesPerStudy: [8, 8], size: 256, seed: 7, prevalence: 1, out: dir, force: true });
  slices = await readMaskedSlices(dir, { size: O.size, stride: O.stride });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('computeBlockFractions: blood share of each f×f block', () => {
  // 4×4 mask, f = 2: blocks TL has 1 of 4, TR 4 of 4, BL 0, BR 2 (any subtype bit counts)
  const bits = Uint8Array.from([1, 0, 2, 2, 0, 0, 16, 4, 0, 0, 8, 0, 0, 0, 0, 8]);
  assert.deepEqual([...computeBlockFractions(bits, 4, 4, 2)], [0.25, 1, 0, 0.5]);
});

test('readMaskedSlices: one target map per slice at size / stride, blood cells listed', () => {
  assert.equal(slices.length, 16);
  for (const s of slices) assert.equal(s.target.length, 32 * 32);
  const bleeding = slices.filter((s) => s.bloodCells.length > 0);
  assert.ok(bleeding.length >= 2, `${bleeding.length} slices with blood`);
  for (const s of bleeding) for (const c of s.bloodCells) assert.ok((s.target[c] as number) > 0);
});

test('drawCropBatch: same seed, same batch; shapes; positive crops hold blood', () => {
  const bleeding = slices.filter((s) => s.bloodCells.length > 0);
  const a = drawCropBatch(bleeding, 6, O, createRng(3));
  const b = drawCropBatch(bleeding, 6, O, createRng(3));
  assert.deepEqual(a.x.shape, [6, 64, 64, 3]);
  assert.equal(a.y.length, 6 * 16 * 16);
  assert.deepEqual(a.x.data, b.x.data);
  assert.deepEqual(a.y, b.y);
  for (let k = 0; k < 6; k++) assert.ok(a.y.subarray(k * 256, (k + 1) * 256).some((v) => v > 0), `crop ${k} has no blood`);
});

test('drawCropBatch: targets line up with the crop pixels (flipped crops included)', () => {
  const bleeding = slices.filter((s) => s.bloodCells.length > 0);
  const { x, y } = drawCropBatch(bleeding, 40, O, createRng(11));
  const sub = WINDOWS.findIndex((w) => w.name === 'subdural'); // L80 W200: v = (HU + 20) / 200
  let inRange = 0;
  let total = 0;
  for (let k = 0; k < 40; k++)
    for (let r = 0; r < 16; r++)
      for (let c = 0; c < 16; c++) {
        if ((y[(k * 16 + r) * 16 + c] as number) < 1) continue;
        for (let dy = 0; dy < 4; dy++)
          for (let dx = 0; dx < 4; dx++) {
            const hu = (x.data[((k * 64 + r * 4 + dy) * 64 + c * 4 + dx) * 3 + sub] as number) * 200 - 20;
            total++;
            if (hu >= 40 && hu <= 100) inRange++;
          }
      }
  assert.ok(total > 100, `${total} pixels under all-blood cells`);
  assert.ok(inRange / total > 0.8, `${inRange}/${total} of the pixels under all-blood cells read 40–100 HU`);
});
