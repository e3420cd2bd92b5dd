/**
 * torch-backend network kernels against tfjs' `cpu` backend, forward and input/filter gradients
 * (≤ 1e-4 relative): convolutions over strides, 'same' (symmetric and TensorFlow's asymmetric) and
 * 'valid' padding, 1×1, 1×7/7×1 and 7×7 filters, dilation (forward), depthwise; pooling; batch norm;
 * matmul with transposes, batches and fused bias + activation; softmax.
 */
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertMatchesCpu, initTorchForTests, torchSkipReason } from './torch-compare.js';

const skip = torchSkipReason();

type Pad = 'same' | 'valid';
const convCases: [string, number[], number[], number, Pad][] = [
  ['3×3 s1 same', [2, 9, 9, 3], [3, 3, 3, 5], 1, 'same'],
  ['3×3 s2 same (asymmetric)', [2, 10, 10, 3], [3, 3, 3, 4], 2, 'same'],
  ['3×3 s2 valid', [2, 11, 11, 4], [3, 3, 4, 6], 2, 'valid'],
  ['1×1 s1', [2, 6, 6, 8], [1, 1, 8, 5], 1, 'same'],
  ['1×1 s2 same', [2, 8, 8, 6], [1, 1, 6, 4], 2, 'same'],
  ['1×7 same', [1, 9, 9, 4], [1, 7, 4, 3], 1, 'same'],
  ['7×1 same', [1, 9, 9, 4], [7, 1, 4, 3], 1, 'same'],
  ['7×7 s2 same', [1, 16, 16, 3], [7, 7, 3, 4], 2, 'same'],
  ['5×5 s1 valid, odd size', [2, 13, 11, 2], [5, 5, 2, 3], 1, 'valid'],
];

test('Conv2D forward and gradients (input, filter) match cpu', { skip }, async () => {
  await initTorchForTests();
  for (const [name, xs, ws, s, pad] of convCases) {
    await assertMatchesCpu(`conv2d ${name}`, { inputs: [{ shape: xs }, { shape: ws }], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad), grad: true });
  }
});

test('Conv2D with dilation 2 (forward) and explicit padding match cpu', { skip }, async () => {
  await initTorchForTests();
  await assertMatchesCpu('dilated conv', { inputs: [{ shape: [1, 12, 12, 3] }, { shape: [3, 3, 3, 4] }], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2) });
  const explicit: [[0, 0], [1, 2], [2, 0], [0, 0]] = [[0, 0], [1, 2], [2, 0], [0, 0]];
  await assertMatchesCpu('explicit pads', { inputs: [{ shape: [1, 8, 8, 3] }, { shape: [3, 3, 3, 2] }], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, explicit), grad: true });
});

test('FusedConv2D (bias + relu / sigmoid) forward and gradients match cpu', { skip }, async () => {
  await initTorchForTests();
  for (const activation of ['relu', 'sigmoid', 'linear'] as const) {
    await assertMatchesCpu(`fused conv ${activation}`, {
      inputs: [{ shape: [2, 8, 8, 3] }, { shape: [3, 3, 3, 4] }, { shape: [4] }],
      f: (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation }),
      grad: true,
    });
  }
});

test('depthwise conv2d forward and gradients match cpu', { skip }, async () => {
  await initTorchForTests();
  for (const [s, pad] of [[1, 'same'], [2, 'same'], [2, 'valid']] as [number, Pad][]) {
    await assertMatchesCpu(`depthwise s${s} ${pad}`, { inputs: [{ shape: [2, 9, 9, 3] }, { shape: [3, 3, 3, 2] }], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad), grad: true });
  }
});

test('max and average pooling forward and gradients match cpu', { skip }, async () => {
  await initTorchForTests();
  const cases: [number, number, Pad, number[]][] = [
    [2, 2, 'valid', [2, 8, 8, 3]],
    [3, 2, 'valid', [2, 11, 11, 3]],
    [3, 1, 'same', [1, 7, 7, 4]],
    [3, 2, 'same', [1, 8, 8, 2]],
  ];
  for (const [k, s, pad, shape] of cases) {
    await assertMatchesCpu(`maxPool ${k} s${s} ${pad}`, { inputs: [{ shape }], f: (x) => tf.maxPool(x as tf.Tensor4D, k, s, pad), grad: true });
    // tfjs' cpu AvgPoolGrad divides by k² everywhere, although its forward excludes the padding: its
    // gradient is not the forward's at padded borders. torch gives the exact gradient (as TensorFlow and
    // PyTorch do), checked against cpu's gradient of the same pooling written as sum-conv / count-conv.
    await assertMatchesCpu(`avgPool ${k} s${s} ${pad}`, { inputs: [{ shape }], f: (x) => tf.avgPool(x as tf.Tensor4D, k, s, pad) });
    const asConvs = (x: tf.Tensor): tf.Tensor => {
      const c = shape[3] ?? 1;
      const ones = tf.ones([k, k, c, 1]) as tf.Tensor4D;
      if (tf.getBackend() === 'torch') return tf.avgPool(x as tf.Tensor4D, k, s, pad);
      const count = tf.depthwiseConv2d(tf.onesLike(x) as tf.Tensor4D, ones, s, pad);
      return tf.div(tf.depthwiseConv2d(x as tf.Tensor4D, ones, s, pad), count);
    };
    await assertMatchesCpu(`avgPool ${k} s${s} ${pad} gradient`, { inputs: [{ shape }], f: asConvs, grad: true });
  }
});

test('batch norm (per-channel, with and without scale/offset) forward and gradients match cpu', { skip }, async () => {
  await initTorchForTests();
  const pos = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => 0.5 + 0.1 * i);
  await assertMatchesCpu('batchNorm', {
    inputs: [{ shape: [2, 5, 5, 4] }, { shape: [4] }, { shape: [4], data: pos(4) }, { shape: [4] }, { shape: [4] }],
    f: (x, m, v, o, s) => tf.batchNorm(x as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3),
    grad: true,
  });
  // Forward only: tfjs' own FusedBatchNorm gradient fails without a scale (on cpu too).
  await assertMatchesCpu('batchNorm no scale', {
    inputs: [{ shape: [3, 4, 6] }, { shape: [6] }, { shape: [6], data: pos(6) }],
    f: (x, m, v) => tf.batchNorm(x, m as tf.Tensor1D, v as tf.Tensor1D, undefined, undefined, 1e-3),
  });
});

test('matMul (2-D, batched, transposed, broadcast batch) and fused dense match cpu', { skip }, async () => {
  await initTorchForTests();
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as [boolean, boolean][]) {
    const a = ta ? [5, 3] : [3, 5];
    const b = tb ? [4, 5] : [5, 4];
    await assertMatchesCpu(`matMul ${ta} ${tb}`, { inputs: [{ shape: a }, { shape: b }], f: (x, y) => tf.matMul(x, y, ta, tb), grad: true });
  }
  await assertMatchesCpu('batched matMul', { inputs: [{ shape: [3, 2, 5] }, { shape: [3, 5, 4] }], f: (x, y) => tf.matMul(x, y), grad: true });
  // Forward only: tfjs' BatchMatMul gradient does not reduce a broadcast batch axis (fails on cpu too).
  await assertMatchesCpu('broadcast batch matMul', { inputs: [{ shape: [3, 2, 5] }, { shape: [1, 5, 4] }], f: (x, y) => tf.matMul(x, y) });
  for (const activation of ['relu', 'sigmoid', 'linear'] as const) {
    await assertMatchesCpu(`fused matMul ${activation}`, {
      inputs: [{ shape: [6, 7] }, { shape: [7, 3] }, { shape: [3] }],
      f: (x, w, b) => tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation }),
      grad: true,
    });
  }
});

test('softmax and logSoftmax match cpu', { skip }, async () => {
  await initTorchForTests();
  await assertMatchesCpu('softmax', { inputs: [{ shape: [4, 6] }], f: (x) => tf.softmax(x), grad: true });
  await assertMatchesCpu('logSoftmax', { inputs: [{ shape: [4, 6] }], f: (x) => tf.logSoftmax(x), grad: true });
});
