/**
 * A model trained on `torch` exports to ONNX that matches it: ichnet (conv, batch norm with moving
 * statistics updated by training, residual adds, pooling, dense) and simple-cnn take a few Adam steps
 * on torch, are exported with the project's exporter, and ONNX Runtime's outputs equal the torch
 * backend's inference outputs (≤ 1e-4 absolute on probabilities).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, type ArchitectureName } from '../../../src/model/architectures/index.js';
import { kaggleWeightedLogLoss } from '../../../src/model/loss.js';
import { exportLayersModelToOnnx } from '../../../src/model/onnx/export.js';
import { createOnnxEngine } from '../../../src/model/onnx/runner.js';
import { trainStep, type MicroBatch } from '../../../src/train/step.js';
import { createRng } from '../../../src/core/random.js';
import { initTorchForTests, torchSkipReason } from './torch-compare.js';

const skip = torchSkipReason();

for (const name of ['ichnet', 'simple-cnn'] as ArchitectureName[]) {
  test(`${name} trained on torch → ONNX gives the same probabilities as the torch backend`, { skip }, async () => {
    await initTorchForTests();
    await tf.setBackend('torch');
    const size = 48;
    const rng = createRng(2);
    const x = Float32Array.from({ length: 4 * size * size * 3 }, () => rng.next());
    const batch: MicroBatch = { x: { dtype: 'float32', data: x, shape: [4, size, size, 3] }, y: Float32Array.from({ length: 24 }, (_, i) => (i % 5 === 0 ? 1 : 0)) };
    const model = await buildModel(name, { size, channels: 3, seed: 4 });
    const optimizer = tf.train.adam(1e-3);
    for (let s = 0; s < 5; s++) trainStep(model, optimizer, kaggleWeightedLogLoss, [batch]);
    const expected = tf.tidy(() => (model.predict(tf.tensor4d(x, [4, size, size, 3])) as tf.Tensor).dataSync() as Float32Array);
    const engine = await createOnnxEngine(exportLayersModelToOnnx(model), { provider: 'cpu', threads: 1 });
    try {
      const got = await engine.run({ data: x, shape: [4, size, size, 3] });
      assert.equal(got.length, expected.length);
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (expected[i] as number)));
      assert.ok(maxDiff <= 1e-4, `max |ONNX − torch| = ${maxDiff}`);
    } finally {
      await engine.dispose();
      model.dispose();
      optimizer.dispose();
    }
  });
}
