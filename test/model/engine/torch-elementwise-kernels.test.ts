/**
 * torch-backend element-wise, reduction, creation and layout kernels against tfjs' `cpu` backend
 * (values, shapes and dtypes; gradients where tfjs defines them), ≤ 1e-4 relative.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertMatchesCpu, initTorchForTests, randomArray, torchSkipReason } from './torch-compare.js';
import { isIchError } from '../../../src/core/errors.js';

const skip = torchSkipReason();
const positive = (n: number): Float32Array => randomArray(n, 7, 0.1, 2);

test('unary kernels match cpu (forward and gradient)', { skip }, async () => {
  await initTorchForTests();
  const onReal: [string, (x: tf.Tensor) => tf.Tensor][] = [
    ['abs', tf.abs], ['neg', tf.neg], ['square', tf.square], ['relu', tf.relu], ['relu6', (x) => tf.relu6(tf.mul(x, 8))], ['elu', tf.elu],
    ['sigmoid', tf.sigmoid], ['tanh', tf.tanh], ['exp', tf.exp], ['sin', tf.sin], ['cos', tf.cos], ['softplus', tf.softplus], ['erf', tf.erf],
    ['leakyRelu', (x) => tf.leakyRelu(x, 0.1)], ['clip', (x) => tf.clipByValue(x, -0.3, 0.4)], ['floor', tf.floor], ['ceil', tf.ceil],
    ['round', (x) => tf.round(tf.mul(x, 3))], ['sign', tf.sign], ['step', (x) => tf.step(x, 0.2)], ['atan', tf.atan], ['selu', tf.selu],
  ];
  for (const [name, f] of onReal) await assertMatchesCpu(name, { inputs: [{ shape: [3, 7] }], f, grad: true });
  const onPositive: [string, (x: tf.Tensor) => tf.Tensor][] = [['log', tf.log], ['sqrt', tf.sqrt], ['rsqrt', tf.rsqrt], ['reciprocal', tf.reciprocal], ['log1p', tf.log1p]];
  for (const [name, f] of onPositive) await assertMatchesCpu(name, { inputs: [{ shape: [4, 5], data: positive(20) }], f, grad: true });
  await assertMatchesCpu('isNaN', { inputs: [{ shape: [4], data: Float32Array.from([1, NaN, 0, -2]) }], f: tf.isNaN });
  await assertMatchesCpu('zerosLike / onesLike', { inputs: [{ shape: [2, 3] }], f: (x) => tf.add(tf.zerosLike(x), tf.onesLike(x)) });
});

test('binary kernels with broadcasting, int32 and bool dtypes match cpu', { skip }, async () => {
  await initTorchForTests();
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum], ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference], ['pow', (a, b) => tf.pow(tf.abs(a), b)], ['prelu', (a, b) => tf.prelu(a, b)],
  ];
  // tfjs' own Maximum / Minimum / Prelu / SquaredDifference gradients do not reduce a broadcast input (cpu fails too).
  const reducesBroadcast = (name: string): boolean => !['maximum', 'minimum', 'prelu', 'squaredDifference'].includes(name);
  for (const [name, f] of ops) {
    await assertMatchesCpu(`${name} broadcast`, { inputs: [{ shape: [2, 3, 4] }, { shape: [4] }], f, grad: reducesBroadcast(name) });
    await assertMatchesCpu(`${name} same shape`, { inputs: [{ shape: [5, 2] }, { shape: [5, 2] }], f, grad: true });
  }
  const cmp: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['equal', tf.equal], ['notEqual', tf.notEqual], ['greater', tf.greater], ['greaterEqual', tf.greaterEqual], ['less', tf.less], ['lessEqual', tf.lessEqual],
  ];
  for (const [name, f] of cmp) await assertMatchesCpu(name, { inputs: [{ shape: [3, 4] }, { shape: [1, 4] }], f });
  const ints = Int32Array.from([3, -7, 5, 0, 9, -2]);
  const ints2 = Int32Array.from([2, 3, -4, 1, 5, 7]);
  for (const [name, f] of [['int add', tf.add], ['int mul', tf.mul], ['int floorDiv', tf.floorDiv], ['int mod', tf.mod], ['int div', tf.div], ['int maximum', tf.maximum]] as [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][]) {
    await assertMatchesCpu(name, { inputs: [{ shape: [6], data: ints, dtype: 'int32' }, { shape: [6], data: ints2, dtype: 'int32' }], f });
  }
  await assertMatchesCpu('logicalAnd / Or / Not', {
    inputs: [{ shape: [4], data: Int32Array.from([1, 0, 1, 0]), dtype: 'bool' }, { shape: [4], data: Int32Array.from([1, 1, 0, 0]), dtype: 'bool' }],
    f: (a, b) => tf.logicalOr(tf.logicalAnd(a, b), tf.logicalNot(b)),
  });
  await assertMatchesCpu('where', {
    inputs: [{ shape: [2, 3], data: Int32Array.from([1, 0, 0, 1, 1, 0]), dtype: 'bool' }, { shape: [2, 3] }, { shape: [2, 3] }],
    f: (c, a, b) => tf.where(c as tf.Tensor, a as tf.Tensor, b as tf.Tensor),
    grad: true,
  });
  await assertMatchesCpu('addN', { inputs: [{ shape: [2, 3] }, { shape: [2, 3] }, { shape: [2, 3] }], f: (a, b, c) => tf.addN([a, b, c]), grad: true });
});

test('reductions (sum, mean, max, min, prod, all, any, argMax) over axes, keepDims, int32 match cpu', { skip }, async () => {
  await initTorchForTests();
  for (const axis of [undefined, 0, 1, [0, 2], -1]) {
    for (const keepDims of [false, true]) {
      const tag = `axis ${JSON.stringify(axis)} keep ${keepDims}`;
      await assertMatchesCpu(`sum ${tag}`, { inputs: [{ shape: [3, 4, 5] }], f: (x) => tf.sum(x, axis, keepDims), grad: true });
      await assertMatchesCpu(`mean ${tag}`, { inputs: [{ shape: [3, 4, 5] }], f: (x) => tf.mean(x, axis, keepDims), grad: true });
      await assertMatchesCpu(`max ${tag}`, { inputs: [{ shape: [3, 4, 5] }], f: (x) => tf.max(x, axis, keepDims), grad: true });
      await assertMatchesCpu(`min ${tag}`, { inputs: [{ shape: [3, 4, 5] }], f: (x) => tf.min(x, axis, keepDims) });
      await assertMatchesCpu(`prod ${tag}`, { inputs: [{ shape: [3, 4, 5], data: positive(60) }], f: (x) => tf.prod(x, axis, keepDims) });
      await assertMatchesCpu(`all/any ${tag}`, { inputs: [{ shape: [3, 4, 5] }], f: (x) => tf.logicalAnd(tf.all(tf.greater(x, -0.9), axis, keepDims), tf.any(tf.greater(x, 0.5), axis, keepDims)) });
    }
  }
  await assertMatchesCpu('argMax', { inputs: [{ shape: [4, 6] }], f: (x) => tf.argMax(x, 1) });
  await assertMatchesCpu('argMin', { inputs: [{ shape: [4, 6] }], f: (x) => tf.argMin(x, 0) });
  await assertMatchesCpu('int sum', { inputs: [{ shape: [2, 3], data: Int32Array.from([1, 2, 3, 4, 5, 6]), dtype: 'int32' }], f: (x) => tf.sum(x, 1) });
  await assertMatchesCpu('bool sum', { inputs: [{ shape: [4] }], f: (x) => tf.sum(tf.greater(x, 0)) });
});

test('layout kernels (reshape, transpose, slice, stridedSlice, concat, stack, unstack, split, pad, tile, gather, reverse, cast, oneHot, range, fill) match cpu', { skip }, async () => {
  await initTorchForTests();
  const cases: [string, number[][], (...x: tf.Tensor[]) => tf.Tensor, boolean][] = [
    ['reshape', [[2, 3, 4]], (x) => tf.reshape(x, [4, -1]), true],
    ['transpose', [[2, 3, 4]], (x) => tf.transpose(x, [2, 0, 1]), true],
    ['slice', [[4, 5, 3]], (x) => tf.slice(x, [1, 0, 1], [2, -1, 2]), true],
    ['stridedSlice', [[6, 5]], (x) => tf.stridedSlice(x, [1, 0], [5, 5], [2, 2]), false],
    ['stridedSlice negative', [[6, 5]], (x) => tf.stridedSlice(x, [-1, 4], [0, 0], [-2, -1], 0, 2), false],
    ['stridedSlice shrink', [[6, 5]], (x) => tf.stridedSlice(x, [2, 0], [3, 5], [1, 1], 0, 0, 0, 0, 1), false],
    ['concat', [[2, 3], [2, 4]], (a, b) => tf.concat([a as tf.Tensor, b as tf.Tensor], 1), true],
    ['concat axis 0', [[2, 3], [1, 3]], (a, b) => tf.concat([a as tf.Tensor, b as tf.Tensor], 0), true],
    ['stack', [[2, 3], [2, 3]], (a, b) => tf.stack([a as tf.Tensor, b as tf.Tensor], 1), true],
    ['unstack', [[3, 4]], (x) => tf.mul(tf.unstack(x, 1)[2] as tf.Tensor, 2), true],
    ['split', [[4, 6]], (x) => tf.split(x, [1, 2, 3], 1)[1] as tf.Tensor, true],
    ['pad', [[2, 3]], (x) => tf.pad(x, [[1, 0], [2, 1]], 0.5), true],
    ['tile', [[2, 3]], (x) => tf.tile(x, [2, 3]), true],
    ['reverse', [[3, 4]], (x) => tf.reverse(x, [0, 1]), true],
    ['cast', [[3, 4]], (x) => tf.cast(tf.mul(x, 5), 'int32'), false],
  ];
  for (const [name, shapes, f, grad] of cases) await assertMatchesCpu(name, { inputs: shapes.map((shape) => ({ shape })), f, grad });
  await assertMatchesCpu('gather', { inputs: [{ shape: [5, 3] }, { shape: [4], data: Int32Array.from([4, 0, 2, 2]), dtype: 'int32' }], f: (x, i) => tf.gather(x, i as tf.Tensor1D, 0), grad: true });
  await assertMatchesCpu('oneHot', { inputs: [{ shape: [4], data: Int32Array.from([0, 3, 1, 5]), dtype: 'int32' }], f: (i) => tf.oneHot(i as tf.Tensor1D, 4) });
  await assertMatchesCpu('range + fill', { inputs: [{ shape: [1] }], f: (x) => tf.add(tf.add(tf.range(0, 6, 1.5), tf.fill([4], 2)), x) });
});

test('a kernel the torch backend lacks fails loudly with its name; unsupported dtypes are coded errors', { skip }, async () => {
  await initTorchForTests();
  await tf.setBackend('torch');
  assert.throws(() => tf.cumsum(tf.tensor([1, 2, 3])), /Cumsum.*torch|torch.*Cumsum/);
  assert.throws(() => tf.complex([1], [2]), (e) => isIchError(e, 'ICH_E_TORCH_KERNEL') || /Complex/.test(String(e)));
});
