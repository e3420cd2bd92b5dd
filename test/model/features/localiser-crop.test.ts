/**
 * The localiser's crop: the box around the slices' cavities (grown, on the stride grid, inside the
 * frame), the cropped image, and maps computed on the box: inside it they are the model's own maps
 * of the cropped slices (with flip TTA too), outside it 0, in whole-frame coordinates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../src/core/random.js';
import type { Image } from '../../../src/core/tensor.js';
import * as tf from '@tensorflow/tfjs';
import { buildBleedSegFine } from '../../../src/model/architectures/bleedseg-fine.js';
import { exportLayersModelToOnnx } from '../../../src/model/onnx/export.js';
import { relaxSpatialDims } from '../../../src/model/onnx/relax-dims.js';
import { createOnnxEngine } from '../../../src/model/onnx/runner.js';
import { computeLocaliserCrop, cropImage, type GridMask } from '../../../src/model/features/localiser-crop.js';
import { computeSubtypeMaps } from '../../../src/infer/localise/subtype-map.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

/** A size × size mask with 1s on rows y0…y1, columns x0…x1 (inclusive). */
function boxMask(size: number, y0: number, y1: number, x0: number, x1: number): GridMask {
  const m = new Uint8Array(size * size);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) m[y * size + x] = 1;
  return { w: size, h: size, cavityMask: m };
}

test('the crop is the union of the cavities, grown by the margin, on multiples of the grid, inside the frame', () => {
  // union rows 20–45, columns 30–50; margin 4 → rows 16–49, columns 26–54 → on 8s: rows 16–55 (h 40), columns 24–55 (w 32)
  assert.deepEqual(computeLocaliserCrop([boxMask(64, 20, 40, 30, 50), boxMask(64, 25, 45, 35, 40)], 64, 4, 8), { y0: 16, x0: 24, h: 40, w: 32 });
  // clamped at the frame's edge
  assert.deepEqual(computeLocaliserCrop([boxMask(64, 0, 10, 58, 63)], 64, 4, 8), { y0: 0, x0: 48, h: 16, w: 16 });
  // no cavity, or a box that is the whole frame: no crop
  assert.equal(computeLocaliserCrop([{ w: 64, h: 64, cavityMask: new Uint8Array(64 * 64) }], 64, 4, 8), null);
  assert.equal(computeLocaliserCrop([boxMask(64, 2, 61, 2, 61)], 64, 4, 8), null);
});

test('cropImage keeps the box pixels and channels', () => {
  const img: Image<'uint8'> = { dtype: 'uint8', data: Uint8Array.from({ length: 4 * 5 * 2 }, (_, i) => i), shape: [4, 5, 2] };
  const c = cropImage(img, { y0: 1, x0: 2, h: 2, w: 3 });
  assert.deepEqual(c.shape, [2, 3, 2]);
  // row 1 starts at (1·5 + 2)·2 = 14; row 2 at 24
  assert.deepEqual([...c.data], [14, 15, 16, 17, 18, 19, 24, 25, 26, 27, 28, 29]);
});

test('maps on a crop: the cropped slices’ own maps inside the box (TTA too), 0 outside, whole-frame shape', async () => {
  const size = 64;
  const onnx = relaxSpatialDims(exportLayersModelToOnnx(buildBleedSegFine({ channels: 3, size }, createRng(6))));
  const engine = await createOnnxEngine(onnx, { provider: 'cpu', threads: 1 });
  const rng = createRng(8);
  const images: Image<'uint8'>[] = [0, 1, 2].map(() => ({ dtype: 'uint8', data: Uint8Array.from({ length: size * size * 3 }, () => rng.int(0, 255)), shape: [size, size, 3] }));
  const box = { y0: 16, x0: 8, h: 24, w: 40 };
  try {
    for (const tta of [false, true]) {
      const got = await computeSubtypeMaps(engine, images, [2, 0], 2, { tta, crop: box });
      const byHand = await computeSubtypeMaps(engine, [cropImage(images[2] as Image<'uint8'>, box), cropImage(images[0] as Image<'uint8'>, box)], [0, 1], 2, { tta });
      assert.equal(got.length, 2);
      got.forEach((g, j) => {
        assert.equal(g.m, 32);
        assert.equal(g.data.length, 32 * 32 * 6);
        const own = (byHand[j] as { data: Float32Array }).data; // [12, 20, 6]
        for (let y = 0; y < 32; y++)
          for (let x = 0; x < 32; x++)
            for (let c = 0; c < 6; c++) {
              const v = g.data[(y * 32 + x) * 6 + c] as number;
              const inside = y >= 8 && y < 20 && x >= 4 && x < 24;
              assert.equal(v, inside ? (own[((y - 8) * 20 + (x - 4)) * 6 + c] as number) : 0, `tta ${tta} slice ${j} cell (${y}, ${x}, ${c})`);
            }
      });
    }
  } finally {
    await engine.dispose();
  }
});
