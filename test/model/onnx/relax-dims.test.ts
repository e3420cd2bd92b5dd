/**
 * relaxSpatialDims: a bleedseg-fine exported at 32 px and made size-free runs on other sizes that
 * are multiples of 8 exactly as tfjs runs the same weights at that size (so the pads written for 32
 * hold there), gives the fixed export's output at 32, and graphs tied to their size are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/random.js';
import { BLEEDSEG_FINE_SIZE_MULTIPLE, buildBleedSegFine } from '../../../src/model/architectures/bleedseg-fine.js';
import { buildModel } from '../../../src/model/architectures/index.js';
import { exportLayersModelToOnnx } from '../../../src/model/onnx/export.js';
import { hasFreeSpatialDims, relaxSpatialDims } from '../../../src/model/onnx/relax-dims.js';
import { createOnnxEngine } from '../../../src/model/onnx/runner.js';
import { LOCALISER_SIZE_MULTIPLE } from '../../../src/model/features/localiser-crop.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

function randomBatch(n: number, h: number, w: number, seed: number): { data: Float32Array; shape: number[] } {
  const rng = createRng(seed);
  return { data: Float32Array.from({ length: n * h * w * 3 }, () => rng.next()), shape: [n, h, w, 3] };
}

test('a relaxed bleedseg-fine = tfjs at other multiples of 8, = the fixed export at its own size', async () => {
  const fixed = buildBleedSegFine({ channels: 3, size: 32 }, createRng(4));
  const free = buildBleedSegFine({ channels: 3, size: null }, createRng(99));
  free.setWeights(fixed.getWeights());
  const fixedBytes = exportLayersModelToOnnx(fixed);
  const relaxed = await createOnnxEngine(relaxSpatialDims(fixedBytes), { provider: 'cpu', threads: 1 });
  const original = await createOnnxEngine(fixedBytes, { provider: 'cpu', threads: 1 });
  try {
    assert.deepEqual(relaxed.inputShape, ['N', 'H', 'W', 3]);
    assert.equal(hasFreeSpatialDims(relaxed.inputShape), true);
    assert.equal(hasFreeSpatialDims(original.inputShape), false);
    const same = randomBatch(2, 32, 32, 1);
    assert.deepEqual(await relaxed.run(same), await original.run(same));
    await assert.rejects(original.run(randomBatch(1, 24, 40, 2)));
    for (const [h, w] of [[24, 40], [48, 16], [8, 8]] as const) {
      const b = randomBatch(2, h, w, h + w);
      const got = await relaxed.run(b);
      const want = tf.tidy(() => (free.predict(tf.tensor(b.data, b.shape)) as tf.Tensor).dataSync());
      assert.equal(got.length, 2 * (h / 2) * (w / 2) * 6);
      let max = 0;
      for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs((got[i] as number) - (want[i] as number)));
      assert.ok(max < 1e-5, `${h}×${w}: max |ORT − tfjs| = ${max}`);
    }
  } finally {
    await relaxed.dispose();
    await original.dispose();
    fixed.dispose();
    free.dispose();
  }
});

test('a graph tied to its size (flatten + dense) is refused; the crop table agrees with the architecture', async () => {
  const cnn = await buildModel('simple-cnn', { size: 32, channels: 3, seed: 1 });
  assert.throws(() => relaxSpatialDims(exportLayersModelToOnnx(cnn)), (e: Error & { code?: string }) => e.code === 'ICH_E_EXPORT' && /not free/.test(e.message));
  cnn.dispose();
  assert.equal(LOCALISER_SIZE_MULTIPLE['bleedseg-fine'], BLEEDSEG_FINE_SIZE_MULTIPLE);
});
