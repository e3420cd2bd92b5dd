/**
 * ichscan's MaxPoolGrad (wasm) and FusedBatchNorm gradient against tfjs' own: the references are
 * computed on the `cpu` backend with tfjs-core's original gradient before ichscan registers its
 * replacements (each test file runs in its own process, so the first test sees pristine tfjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/model/engine/backend.js';
import { createRng } from '../../../src/core/random.js';

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let maxAbs = 0, maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(b[i] as number));
    maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return maxDiff / Math.max(1, maxAbs);
}

/** Gradients of Σ(pool(relu(x))·r) and of a batch-norm layer's loss w.r.t. x, scale and offset. */
function gradients(shape: [number, number, number, number], pool: [number, number, 'same' | 'valid']): Float32Array[] {
  const [n, h, w, c] = shape;
  return tf.tidy(() => {
    const x = tf.tensor4d(randomArray(n * h * w * c, 1), shape);
    const pooledShape = tf.maxPool(x, pool[0], pool[1], pool[2]).shape;
    const r = tf.tensor(randomArray(pooledShape.reduce((a, b) => a * b, 1), 2), pooledShape);
    const dPool = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, pool[0], pool[1], pool[2]), r)))(x);
    const scale = tf.tensor1d(randomArray(c, 3));
    const offset = tf.tensor1d(randomArray(c, 4));
    const out = tf.tensor4d(randomArray(n * h * w * c, 5), shape);
    const bnLoss = (xx: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Scalar => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      return tf.sum(tf.mul(tf.batchNorm(xx as tf.Tensor4D, mean, variance, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3), out));
    };
    const dBn = tf.grads(bnLoss)([x, scale, offset]);
    return [dPool, ...dBn].map((t) => t.dataSync() as Float32Array);
  });
}

const CASES: { shape: [number, number, number, number]; pool: [number, number, 'same' | 'valid'] }[] = [
  { shape: [2, 8, 8, 3], pool: [2, 2, 'valid'] },
  { shape: [2, 9, 7, 4], pool: [2, 2, 'valid'] }, // odd sizes: last row/column never pooled
  { shape: [1, 9, 9, 2], pool: [3, 3, 'valid'] },
  { shape: [2, 11, 10, 3], pool: [3, 3, 'valid'] }, // non-overlapping 3×3 with unread rows and columns
  { shape: [2, 9, 9, 3], pool: [3, 2, 'same'] }, // overlapping + padding: the JS loop (wasm's own kernel fails this)
  { shape: [2, 8, 8, 2], pool: [3, 1, 'valid'] },
];

test('MaxPoolGrad and the BatchNorm gradient on wasm equal tfjs-core/cpu originals', async () => {
  await tf.setBackend('cpu');
  const refs = CASES.map((c) => gradients(c.shape, c.pool));
  await initBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  CASES.forEach((c, i) => {
    const got = gradients(c.shape, c.pool);
    const ref = refs[i] as Float32Array[];
    got.forEach((g, j) => assert.ok(maxRelDiff(g, ref[j] as Float32Array) < 1e-4, `case ${JSON.stringify(c)} gradient ${j}: ${maxRelDiff(g, ref[j] as Float32Array)}`));
  });
});

test('MaxPoolGrad with a tie in a window keeps the gradient mass', async () => {
  await initBackend('wasm');
  const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1])).dataSync());
  assert.deepEqual(Array.from(g), [0.5, 0.5, 0, 0]);
});
