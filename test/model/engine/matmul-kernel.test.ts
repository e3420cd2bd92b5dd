/**
 * ichscan's BatchMatMul wrapper on wasm against tfjs' `cpu` backend: every transpose combination,
 * batched and unbatched, sizes on both sides of the rewrite threshold, a right operand used twice
 * (second use goes to the backend's cached path), and a Dense-layer gradient; plus the plan's
 * choices for the products of a training step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/model/engine/backend.js';
import { planMatMul } from '../../../src/model/engine/matmul-kernel.js';
import { createRng } from '../../../src/core/random.js';

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(b[i] as number));
    maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return maxDiff / Math.max(1, maxAbs);
}

async function product(backend: 'cpu' | 'wasm', a: [Float32Array, number[]], b: [Float32Array, number[]], ta: boolean, tb: boolean): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => tf.matMul(tf.tensor(a[0], a[1]), tf.tensor(b[0], b[1]), ta, tb).dataSync() as Float32Array);
}

test('the plan: fresh-weight forward → form 2, dy·W^T → form 2, x^T·dy → form 1, cached weights and small products → backend', () => {
  assert.equal(planMatMul(16, 246016, 64, false, false, false), 'form2');
  assert.equal(planMatMul(16, 246016, 64, false, false, true), 'backend');
  assert.equal(planMatMul(16, 64, 246016, false, true, false), 'form2');
  assert.equal(planMatMul(246016, 16, 64, true, false, false), 'form1');
  assert.equal(planMatMul(16, 64, 6, true, false, false), 'backend');
});

test('BatchMatMul on wasm equals cpu for every transpose combination, rank 2 and 3, small and large', async () => {
  await initBackend('wasm');
  // [m, k, n, batch]: the large ones cross the 64 Ki rewrite threshold in each direction.
  const shapes: [number, number, number, number][] = [
    [5, 7, 3, 1],
    [16, 6000, 24, 1],
    [3000, 16, 40, 1],
    [8, 40, 3000, 1],
    [4, 3000, 30, 2],
  ];
  let seed = 1;
  for (const [m, k, n, batch] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const lead = batch > 1 ? [batch] : [];
        const aShape = [...lead, ...(ta ? [k, m] : [m, k])];
        const bShape = [...lead, ...(tb ? [n, k] : [k, n])];
        const a: [Float32Array, number[]] = [randomArray(batch * m * k, seed++), aShape];
        const b: [Float32Array, number[]] = [randomArray(batch * k * n, seed++), bShape];
        const ref = await product('cpu', a, b, ta, tb);
        const got = await product('wasm', a, b, ta, tb);
        const d = maxRelDiff(got, ref);
        assert.ok(d < 1e-4, `m${m} k${k} n${n} batch${batch} ta=${ta} tb=${tb}: rel diff ${d}`);
      }
    }
  }
});

test('a right operand used twice (second use: backend cached path) gives the same product; no tensors leak', async () => {
  await initBackend('wasm');
  const x = tf.tensor2d(randomArray(16 * 8000, 3), [16, 8000]);
  const w = tf.tensor2d(randomArray(8000 * 32, 4), [8000, 32]);
  const before = tf.memory().numTensors;
  const first = tf.tidy(() => tf.matMul(x, w).dataSync() as Float32Array);
  const second = tf.tidy(() => tf.matMul(x, w).dataSync() as Float32Array);
  assert.equal(tf.memory().numTensors, before);
  assert.ok(maxRelDiff(second, first) < 1e-5, 'form 2 and backend paths agree');
  tf.dispose([x, w]);
});

test('Dense-layer gradients (x·W + b, relu) on wasm equal cpu', async () => {
  const run = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
    await (backend === 'wasm' ? initBackend('wasm') : tf.setBackend('cpu'));
    return tf.tidy(() => {
      const x = tf.tensor2d(randomArray(8 * 9000, 5), [8, 9000]);
      const w = tf.tensor2d(randomArray(9000 * 16, 6), [9000, 16]);
      const r = tf.tensor2d(randomArray(8 * 16, 7), [8, 16]);
      const f = (xi: tf.Tensor, wi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.relu(tf.matMul(xi, wi)), r));
      return tf.grads(f)([x, w]).map((g) => g.dataSync() as Float32Array);
    });
  };
  const ref = await run('cpu');
  const got = await run('wasm');
  ref.forEach((g, i) => assert.ok(maxRelDiff(got[i] as Float32Array, g) < 1e-4, `gradient ${i}`));
});
