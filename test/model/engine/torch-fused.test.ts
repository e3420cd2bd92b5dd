/**
 * The torch backend's fused training paths against tfjs `cpu` (≤ 1e-4 relative): a BatchNormalization
 * layer in training (output, input and weight gradients, new moving statistics) through
 * IchTorchBatchNormTrain, ReLU's gradient through IchTorchReluGrad, and Adam's update through
 * IchTorchAdam over several steps (variables and both moments). Each also checks that the fused kernel
 * is the one that ran on torch (tf.profile's kernel names).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertClose, assertMatchesCpu, initTorchForTests, randomArray, torchSkipReason } from './torch-compare.js';

const skip = torchSkipReason();


async function kernelNames(f: () => void): Promise<string[]> {
  const info = await tf.profile(f);
  return info.kernels.map((k) => k.name);
}

/** One training-mode BatchNormalization step on `backend`: y, dx, dgamma, dbeta, new moving mean and variance. */
async function batchNormStep(backend: 'cpu' | 'torch', shape: number[]): Promise<{ values: Float32Array[]; kernels: string[] }> {
  await tf.setBackend(backend);
  const c = shape[3] as number;
  const layer = tf.layers.batchNormalization({ axis: 3, momentum: 0.9, epsilon: 1e-3 });
  layer.build(shape);
  layer.setWeights([tf.tensor1d(randomArray(c, 5, 0.5, 1.5)), tf.tensor1d(randomArray(c, 6)), tf.tensor1d(randomArray(c, 7)), tf.tensor1d(randomArray(c, 8, 0.5, 2))]);
  const x = tf.tensor4d(randomArray(shape.reduce((a, b) => a * b, 1), 9, -2, 3), shape as [number, number, number, number]);
  const r = tf.tensor4d(randomArray(x.size, 10), x.shape);
  let values: Float32Array[] = [];
  const kernels = await kernelNames(() => {
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const f = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(xi, { training: true }) as tf.Tensor, r));
    const { grads } = tf.variableGrads(() => f(x), [gamma as tf.Variable, beta as tf.Variable]);
    const dx = tf.grad(f)(x);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    // Three applications in training (two for the gradients, one for y): the moving statistics moved thrice.
    const [, , mm, mv] = layer.getWeights();
    values = [y, dx, ...Object.values(grads), mm as tf.Tensor, mv as tf.Tensor].map((t) => t.dataSync() as Float32Array);
  });
  // Applied to concrete tensors only, so tfjs-layers refuses layer.dispose(); free its weights instead.
  layer.weights.forEach((w) => w.dispose());
  return { values, kernels };
}

test('training BatchNormalization on torch is one fused kernel and matches cpu (output, gradients, moving statistics)', { skip }, async () => {
  await initTorchForTests();
  for (const shape of [[3, 5, 5, 4], [2, 7, 3, 6]]) {
    const ref = await batchNormStep('cpu', shape);
    const got = await batchNormStep('torch', shape);
    assert.ok(got.kernels.includes('IchTorchBatchNormTrain') && got.kernels.includes('IchTorchBatchNormTrainGrad'), `fused kernels ran: ${[...new Set(got.kernels)].join(' ')}`);
    assert.ok(!got.kernels.includes('FusedBatchNorm'), 'no unfused FusedBatchNorm in training');
    ['y', 'dx', 'dgamma', 'dbeta', 'moving mean', 'moving variance'].forEach((what, i) => assertClose(`${shape.join('×')} ${what}`, got.values[i] as Float32Array, ref.values[i] as Float32Array));
  }
});

test('ReLU gradient on torch is one kernel and matches cpu', { skip }, async () => {
  await initTorchForTests();
  // Exact zeros in the input: the gradient there is 0 (step(0) = 0) on both.
  const data = randomArray(2 * 6 * 6 * 5, 3);
  for (let i = 0; i < data.length; i += 7) data[i] = 0;
  await assertMatchesCpu('relu', { inputs: [{ shape: [2, 6, 6, 5], data }], f: (x) => tf.relu(x), grad: true });
  await tf.setBackend('torch');
  const names = await kernelNames(() => {
    tf.grad((x: tf.Tensor) => tf.sum(tf.relu(x)))(tf.tensor(data, [2, 6, 6, 5]));
  });
  assert.ok(names.includes('IchTorchReluGrad') && !names.includes('Step'), `kernels: ${[...new Set(names)].join(' ')}`);
});

/** Four Adam steps on two variables with fixed gradients: final variables and moments. */
async function adamSteps(backend: 'cpu' | 'torch'): Promise<{ values: Float32Array[]; kernels: string[] }> {
  await tf.setBackend(backend);
  const a = tf.variable(tf.tensor2d(randomArray(40 * 30, 21), [40, 30]), true, `adam_a_${backend}`);
  const b = tf.variable(tf.tensor1d(randomArray(7, 22)), true, `adam_b_${backend}`);
  const opt = tf.train.adam(0.01);
  let kernels: string[] = [];
  for (let s = 0; s < 4; s++) {
    const grads = { [a.name]: tf.tensor2d(randomArray(40 * 30, 30 + s), [40, 30]), [b.name]: tf.tensor1d(randomArray(7, 40 + s, -3, 3)) };
    const k = await kernelNames(() => opt.applyGradients(grads as Parameters<tf.AdamOptimizer['applyGradients']>[0]));
    if (s === 0) kernels = k;
    tf.dispose(Object.values(grads));
  }
  const weights = await opt.getWeights();
  const values = [a, b, ...weights.slice(1).map((w) => w.tensor)].map((t) => t.dataSync() as Float32Array);
  opt.dispose();
  a.dispose();
  b.dispose();
  return { values, kernels };
}

test('Adam on torch is one kernel per variable and matches cpu over four steps', { skip }, async () => {
  await initTorchForTests();
  const ref = await adamSteps('cpu');
  const got = await adamSteps('torch');
  assert.equal(got.kernels.filter((k) => k === 'IchTorchAdam').length, 2, `kernels: ${got.kernels.join(' ')}`);
  ['a', 'b', 'm(a)', 'm(b)', 'v(a)', 'v(b)'].forEach((what, i) => assertClose(`adam ${what}`, got.values[i] as Float32Array, ref.values[i] as Float32Array));
});

/** conv → BN → ReLU (folded), conv+bias → BN (folded, no ReLU), and a conv read twice (not folded). */
function foldModel(): tf.LayersModel {
  const x = tf.input({ shape: [9, 9, 3] });
  const apply = (l: tf.layers.Layer, t: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => l.apply(t) as tf.SymbolicTensor;
  const bn = (): tf.layers.Layer => tf.layers.batchNormalization({ axis: 3, epsilon: 1e-3 });
  const a = apply(tf.layers.activation({ activation: 'relu' }), apply(bn(), apply(tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', useBias: false }), x)));
  const b = apply(bn(), apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, strides: 2, useBias: true }), a));
  const shared = apply(tf.layers.conv2d({ filters: 4, kernelSize: [1, 3], padding: 'same', strides: 2, useBias: false }), a);
  const c = apply(tf.layers.activation({ activation: 'relu' }), apply(bn(), shared));
  return tf.model({ inputs: x, outputs: apply(tf.layers.concatenate(), [b, c, shared]) });
}

/** Sets every weight from a seed (variances positive). */
function seedWeights(m: tf.LayersModel, seed: number): void {
  m.setWeights(m.weights.map((w, i) => tf.tensor(randomArray(w.shape.reduce((p: number, q) => p * (q ?? 1), 1), seed + i, w.name.includes('variance') ? 0.3 : -1, w.name.includes('variance') ? 2 : 1), w.shape as number[])));
}

async function foldPredict(backend: 'cpu' | 'torch', seeds: number[]): Promise<{ values: Float32Array[]; kernels: string[] }> {
  await tf.setBackend(backend);
  const m = foldModel();
  const x = tf.tensor4d(randomArray(2 * 9 * 9 * 3, 77), [2, 9, 9, 3]);
  const values: Float32Array[] = [];
  let kernels: string[] = [];
  for (const seed of seeds) {
    seedWeights(m, seed);
    // Twice per weight version: the second predict reuses the folded weights.
    for (let k = 0; k < 2; k++) kernels = await kernelNames(() => values.push(tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array)));
  }
  m.dispose();
  x.dispose();
  return { values, kernels };
}

test('inference folds conv → batch norm → ReLU into one FusedConv2D on torch and matches cpu, also after the weights change', { skip }, async () => {
  await initTorchForTests();
  const ref = await foldPredict('cpu', [100, 200]);
  const got = await foldPredict('torch', [100, 200]);
  // Two chains fold; the conv read twice keeps its batch norm and ReLU.
  assert.equal(got.kernels.filter((k) => k === 'FusedBatchNorm').length, 1, `kernels: ${got.kernels.join(' ')}`);
  assert.equal(got.kernels.filter((k) => k === 'Relu').length, 1, `kernels: ${got.kernels.join(' ')}`);
  ref.values.forEach((v, i) => assertClose(`predict ${i} (weights ${i >> 1})`, got.values[i] as Float32Array, v));
});
