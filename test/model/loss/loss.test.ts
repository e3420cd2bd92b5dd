/**
 * The tfjs Kaggle loss against hand-computed values and against the pure-array metric
 * (src/model/metrics.ts weightedLogLoss), including clipping at 0 and 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/model/engine/backend.js';
import { kaggleWeightedLogLoss, meanBinaryCrossEntropy } from '../../../src/model/loss.js';
import { weightedLogLoss } from '../../../src/model/metrics.js';
import { createRng } from '../../../src/core/random.js';

function lossOf(y: number[], p: number[]): number {
  return tf.tidy(() => kaggleWeightedLogLoss(tf.tensor2d(y, [y.length / 6, 6]), tf.tensor2d(p, [p.length / 6, 6])).dataSync()[0] as number);
}

test('one image, hand-computed: all p = 0.5 gives ln 2; any weighted twice', async () => {
  await initBackend('wasm');
  assert.ok(Math.abs(lossOf([0, 0, 0, 0, 0, 0], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]) - Math.LN2) < 1e-6);
  // Only `any` wrong-ish: y_any = 1, p_any = 0.25, others y=0, p=0.5 →
  // (5·ln2 + 2·(−ln 0.25)) / 7 = (5·0.693147 + 2·1.386294) / 7 = 0.891189
  assert.ok(Math.abs(lossOf([0, 0, 0, 0, 0, 1], [0.5, 0.5, 0.5, 0.5, 0.5, 0.25]) - (5 * Math.LN2 + 2 * Math.log(4)) / 7) < 1e-6);
  // Mean over images: the two images above → average of the two values.
  const two = lossOf([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]);
  assert.ok(Math.abs(two - (Math.LN2 + (5 * Math.LN2 + 2 * Math.log(4)) / 7) / 2) < 1e-6);
});

test('clipping: a confident wrong prediction costs −ln(1e-15)·w/7, finite in float32', async () => {
  await initBackend('wasm');
  // p_any = 0 with y_any = 1; other labels exactly right (p = y = 0 → log(1 − 0) = 0).
  const v = lossOf([0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0]);
  assert.ok(Number.isFinite(v));
  assert.ok(Math.abs(v - (2 * -Math.log(1e-15)) / 7) < 1e-4, String(v));
  // p = 1 with y = 0 on epidural
  const u = lossOf([0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]);
  assert.ok(Math.abs(u - -Math.log(1e-15) / 7) < 1e-4, String(u));
});

test('equals the pure-array metric weightedLogLoss on random data', async () => {
  await initBackend('wasm');
  const rng = createRng(5);
  const n = 50;
  const y = Array.from({ length: n * 6 }, () => (rng.chance(0.3) ? 1 : 0));
  const p = Array.from({ length: n * 6 }, () => rng.next());
  const ours = lossOf(y, p);
  const ref = weightedLogLoss(Float32Array.from(p), Float32Array.from(y));
  assert.ok(Math.abs(ours - ref) < 1e-5, `${ours} vs ${ref}`);
  const bce = tf.tidy(() => meanBinaryCrossEntropy(tf.tensor2d(y, [n, 6]), tf.tensor2d(p, [n, 6])).dataSync()[0] as number);
  assert.ok(Math.abs(bce - ours) > 1e-4, 'bce differs from the weighted loss');
});

test('the loss has gradients (trainable through tf.grad)', async () => {
  await initBackend('wasm');
  const g = tf.tidy(() => tf.grad((p: tf.Tensor) => kaggleWeightedLogLoss(tf.tensor2d([[0, 0, 0, 0, 0, 1]]), p))(tf.tensor2d([[0.5, 0.5, 0.5, 0.5, 0.5, 0.5]])).dataSync());
  // d/dp of −ln(1−p)·1/7 at 0.5 = 2/7; of −2 ln(p)/7 at 0.5 = −4/7
  assert.ok(Math.abs((g[0] as number) - 2 / 7) < 1e-5);
  assert.ok(Math.abs((g[5] as number) + 4 / 7) < 1e-5);
});
