/**
 * Per-subtype mask targets and crops for the localiser: block fractions per subtype bit and for
 * any blood; crops keep image and target aligned under flips and zoom (a bright square painted where
 * the mask says blood stays under the target's blood cells); the same RNG seed gives the same batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import type { DecodedDicom } from '../../src/dicom/index.js';
import { computeSubtypeFractions, drawSubtypeCropBatch, type SubtypeCropOptions, type SubtypeMaskedSlice } from '../../src/train/subtype-masks.js';

test('computeSubtypeFractions: per block the share of each bit, and of any bit, ×255', () => {
  // 4 × 4 mask, 2 × 2 blocks: block (0,0) has one epidural (1) and one epidural+subdural (17) pixel
  const bits = Uint8Array.from([1, 17, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
  const f = computeSubtypeFractions(bits, 4, 4, 2);
  assert.equal(f.length, 2 * 2 * 6);
  assert.deepEqual(Array.from(f.subarray(0, 6)), [128, 0, 0, 0, 64, 128]);
  assert.deepEqual(Array.from(f.subarray(6, 12)), [0, 0, 64, 0, 0, 64]);
  assert.ok(f.subarray(12).every((v) => v === 0));
});

/** A 64 × 64 HU slice of 30 HU with a 70 HU square over rows/cols [24, 40), and its mask target at stride 2 of 64 px (32² cells). */
function squareSlice(): SubtypeMaskedSlice {
  const n = 64;
  const data = new Int16Array(n * n);
  const bits = new Uint8Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const inside = y >= 24 && y < 40 && x >= 8 && x < 24; // off-centre, so a flip moves it
      data[y * n + x] = inside ? 70 + 1024 : 30 + 1024;
      if (inside) bits[y * n + x] = 2;
    }
  const decoded = { meta: { rows: n, columns: n, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1, rescaleSlope: 1, rescaleIntercept: -1024, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', frames: 1 }, raw: { data, rows: n, columns: n, frames: 1 } } as unknown as DecodedDicom;
  const target = computeSubtypeFractions(bits, n, n, 2);
  const cells: number[] = [];
  for (let i = 0; i < 32 * 32; i++) if ((target[i * 6 + 5] as number) > 0) cells.push(i);
  return { id: 'sq', decoded, target, bloodCells: Int32Array.from(cells) };
}

test('drawSubtypeCropBatch: image and target stay aligned under flips and zoom; seeded', () => {
  const s = squareSlice();
  const o: SubtypeCropOptions = { size: 64, stride: 2, windows: [...(WINDOW_STACKS['bss'] ?? [])], crop: 32, positiveShare: 1, huOffset: 0, huScale: 0, zoom: 0.1 };
  const { x, y } = drawSubtypeCropBatch([s], 8, o, createRng(3));
  const again = drawSubtypeCropBatch([s], 8, o, createRng(3));
  assert.deepEqual(Array.from(again.y), Array.from(y));
  assert.deepEqual(Array.from(again.x.data), Array.from(x.data));
  const cm = 16;
  let checked = 0;
  for (let b = 0; b < 8; b++)
    for (let r = 0; r < cm; r++)
      for (let c = 0; c < cm; c++) {
        const t = y[((b * cm + r) * cm + c) * 6 + 5] as number;
        assert.equal(y[((b * cm + r) * cm + c) * 6 + 1], t, 'the IPH channel equals any here');
        if (t !== 0 && t !== 1) continue; // edge cells are fractional
        // the brain window (channel 0, L40 W80) of the 2 × 2 crop pixels under the cell: 70 HU → 0.875, 30 HU → 0.375
        const px = x.data[((b * 32 + 2 * r) * 32 + 2 * c) * 3] as number;
        if (t === 1) assert.ok(px > 0.7, `blood cell over ${px}`);
        else assert.ok(px < 0.55, `clean cell over ${px}`);
        checked++;
      }
  assert.ok(checked > 8 * 100);
});
