/**
 * ONNX export parity: each tfjs layer type the model zoo uses, in small models built here with
 * tf.layers and random (seeded) weights, must give the same outputs in ONNX Runtime as in tfjs
 * (`cpu` backend, the numerical reference) to ≤ 1e-5 absolute. Odd input sizes exercise TF's
 * asymmetric 'same' padding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/random.js';
import { exportLayersModelToOnnx } from '../../../src/model/onnx/export.js';
import { createOnnxEngine, createTfjsEngine } from '../../../src/model/onnx/runner.js';
import type { Batch } from '../../../src/core/tensor.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

/** Replaces every weight with seeded values; variances stay positive. */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const rng = createRng(seed);
  const values = model.weights.map((w) => {
    const n = w.shape.reduce((a, b) => (a ?? 1) * (b ?? 1), 1) ?? 1;
    const data = new Float32Array(n);
    const positive = /variance/.test(w.name);
    for (let i = 0; i < n; i++) data[i] = positive ? 0.5 + rng.next() : rng.normal() * 0.3;
    return tf.tensor(data, w.shape as number[]);
  });
  model.setWeights(values);
}

function randomBatch(shape: [number, number, number, number], seed: number): Batch<'float32'> {
  const rng = createRng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { dtype: 'float32', data, shape };
}

async function assertParity(model: tf.LayersModel, shape: [number, number, number, number], seed: number): Promise<number> {
  randomizeWeights(model, seed);
  const batch = randomBatch(shape, seed + 1);
  const expected = await createTfjsEngine(model, tf).run(batch);
  const engine = await createOnnxEngine(exportLayersModelToOnnx(model), { provider: 'cpu', threads: 1 });
  const got = await engine.run(batch);
  await engine.dispose();
  assert.equal(got.length, expected.length);
  let maxErr = 0;
  for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs((got[i] as number) - (expected[i] as number)));
  assert.ok(maxErr <= 1e-5, `max |onnx - tfjs| = ${maxErr}`);
  return maxErr;
}

test('Sequential: Conv2D (same/valid, stride 2, dilation, no bias), BatchNorm, pools, Flatten, Dense', async () => {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [17, 19, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.batchNormalization({ epsilon: 1e-3 }),
      tf.layers.conv2d({ filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same', useBias: false }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
      tf.layers.conv2d({ filters: 3, kernelSize: 2, padding: 'valid', activation: 'elu' }),
      tf.layers.maxPooling2d({ poolSize: 2, padding: 'valid' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 7, activation: 'relu' }),
      tf.layers.dense({ units: 6, activation: 'sigmoid' }),
    ],
  });
  await assertParity(m, [2, 17, 19, 3], 11);
});

test('Functional: residual Add, Concatenate, Depthwise/SeparableConv2D, ReLU6, LeakyReLU, softmax, GAP/GMP, ZeroPadding', async () => {
  const input = tf.input({ shape: [15, 13, 2] });
  const a = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
  const r = tf.layers.reLU({ maxValue: 6 }).apply(a) as tf.SymbolicTensor;
  const d = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2 }).apply(r) as tf.SymbolicTensor;
  const s = tf.layers.separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', depthMultiplier: 1, strides: 2 }).apply(r) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([d, s]) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ scale: false }).apply(sum) as tf.SymbolicTensor;
  const lk = tf.layers.leakyReLU({ alpha: 0.2 }).apply(bn) as tf.SymbolicTensor;
  const zp = tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 2]] }).apply(lk) as tf.SymbolicTensor;
  const c2 = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'sigmoid' }).apply(zp) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({ axis: -1 }).apply([zp, c2]) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({}).apply(cat) as tf.SymbolicTensor;
  const gmp = tf.layers.globalMaxPooling2d({}).apply(cat) as tf.SymbolicTensor;
  const mul = tf.layers.multiply().apply([gap, gmp]) as tf.SymbolicTensor;
  const h = tf.layers.activation({ activation: 'softmax' }).apply(tf.layers.dense({ units: 5 }).apply(mul) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: h });
  await assertParity(m, [3, 15, 13, 2], 21);
});

test('Nested backbone model used as a layer, two heads concatenated (multi-head style)', async () => {
  const backbone = tf.sequential({
    name: 'backbone',
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
    ],
  });
  const input = tf.input({ shape: [16, 16, 3] });
  const f = backbone.apply(input) as tf.SymbolicTensor;
  const any = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(f) as tf.SymbolicTensor;
  const sub = tf.layers.dense({ units: 5, activation: 'sigmoid' }).apply(f) as tf.SymbolicTensor;
  const out = tf.layers.concatenate().apply([sub, any]) as tf.SymbolicTensor;
  await assertParity(tf.model({ inputs: input, outputs: out }), [2, 16, 16, 3], 31);
});

test('unsupported layers fail with ICH_E_EXPORT naming the layer', () => {
  const m = tf.sequential({ layers: [tf.layers.conv1d({ inputShape: [8, 2], filters: 2, kernelSize: 3, name: 'c1d' })] });
  assert.throws(() => exportLayersModelToOnnx(m), (e: unknown) => (e as { code?: string }).code === 'ICH_E_EXPORT');
  const m2 = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [4, 4, 1] }), tf.layers.upSampling2d({ name: 'up' })] });
  assert.throws(() => exportLayersModelToOnnx(m2), /up: tfjs layer type UpSampling2D/);
});

test('Conv2DTranspose (2×2 stride 2 same, 3×3 stride 2 valid, bias, activation) → ConvTranspose', async () => {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2dTranspose({ inputShape: [5, 7, 3], filters: 4, kernelSize: 2, strides: 2, padding: 'same', useBias: false }),
      tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid', activation: 'sigmoid' }),
    ],
  });
  await assertParity(m, [2, 5, 7, 3], 41);
});

test('Conv2DTranspose with same padding and kernel ≠ stride is refused (ONNX pads would differ)', () => {
  const m = tf.sequential({ layers: [tf.layers.conv2dTranspose({ inputShape: [4, 4, 1], filters: 1, kernelSize: 3, strides: 2, padding: 'same' })] });
  assert.throws(() => exportLayersModelToOnnx(m), /kernel = stride/);
});
