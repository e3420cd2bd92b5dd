/**
 * The default model's logistic head: it learns a linearly separable label, stays near the prior on
 * noise, and its ONNX export (Gemm + Sigmoid) gives the same probabilities as the TS head.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../src/core/random.js';
import { applyLogisticHead, fitLogisticHead } from '../../../src/train/default-model/logistic.js';
import { buildLogisticHeadOnnx } from '../../../src/model/card/model-folder.js';
import { createOnnxEngine } from '../../../src/model/onnx/runner.js';
import { rocAuc, column } from '../../../src/model/metrics.js';

function dataset(n: number, F: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = createRng(seed);
  const x = new Float32Array(n * F);
  const y = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) x[i * F + f] = rng.normal() * (f + 1) + 3; // unequal scales and offsets
    const pos = (x[i * F] as number) - 3 + 0.5 * ((x[i * F + 1] as number) - 3) > 0 ? 1 : 0;
    y[i * 6 + 1] = pos; // intraparenchymal
    y[i * 6 + 5] = pos; // any
  }
  return { x, y };
}

test('learns a separable label on unstandardised features; labels never positive stay near zero', () => {
  const F = 5;
  const train = dataset(300, F, 1);
  const head = fitLogisticHead(train.x, train.y, 300, F, { l2: 0.01, steps: 300, lr: 0.05 });
  const test = dataset(200, F, 2);
  const p = applyLogisticHead(head, test.x, 200);
  assert.ok(rocAuc(column(p, 5), column(test.y, 5)) > 0.97);
  const epi = column(p, 0);
  assert.ok(Math.max(...epi) < 0.01, `epidural never positive: max ${Math.max(...epi)}`);
});

test('ONNX head equals the TS head', async () => {
  const F = 7;
  const d = dataset(50, F, 3);
  const head = fitLogisticHead(d.x, d.y, 50, F, { steps: 50 });
  const engine = await createOnnxEngine(buildLogisticHeadOnnx(head.weights, head.bias, F, 'test'), { provider: 'cpu' });
  const got = await engine.run({ data: d.x, shape: [50, F] });
  await engine.dispose();
  const want = applyLogisticHead(head, d.x, 50);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs((got[i] as number) - (want[i] as number)) < 1e-5);
});
