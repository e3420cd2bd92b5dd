/**
 * ichscan's Sum/Mean over N·H·W on wasm (average pool + sum over N) against tfjs' `cpu` backend,
 * with keepDims, negative axes, shapes below and above the size threshold, and reductions the
 * wrapper leaves to the backend (other axes, other ranks).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/model/engine/backend.js';
import { reducesSpatialAndBatch } from '../../../src/model/engine/reduce-kernels.js';
import { createRng } from '../../../src/core/random.js';

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1) + 0.3);
}

async function reduce(backend: 'cpu' | 'wasm', kind: 'sum' | 'mean', data: Float32Array, shape: number[], axis: number[] | undefined, keepDims: boolean): Promise<{ values: Float32Array; shape: number[] }> {
  await (backend === 'wasm' ? initBackend('wasm') : tf.setBackend('cpu'));
  return tf.tidy(() => {
    const x = tf.tensor(data, shape);
    const r = kind === 'sum' ? tf.sum(x, axis, keepDims) : tf.mean(x, axis, keepDims);
    return { values: r.dataSync() as Float32Array, shape: r.shape };
  });
}

test('which reductions the wrapper takes: exactly axes 0,1,2 of a rank-4 tensor', () => {
  assert.ok(reducesSpatialAndBatch([2, 3, 4, 5], [0, 1, 2]));
  assert.ok(reducesSpatialAndBatch([2, 3, 4, 5], [2, -4, 1]));
  assert.ok(!reducesSpatialAndBatch([2, 3, 4, 5], [1, 2]));
  assert.ok(!reducesSpatialAndBatch([2, 3, 4, 5], [0, 1, 2, 3]));
  assert.ok(!reducesSpatialAndBatch([6, 5], [0]));
  assert.ok(!reducesSpatialAndBatch([2, 3, 4, 5], null), 'null = all axes');
});

test('Sum and Mean on wasm equal cpu (shapes and values) over N·H·W and other axes', async () => {
  const cases: [number[], number[] | undefined][] = [
    [[2, 41, 37, 16], undefined],
    [[3, 41, 37, 16], [0, 1, 2]],
    [[2, 64, 64, 8], [-4, -3, -2]],
    [[5, 1, 1, 4000], [0, 1, 2]],
    [[2, 3, 3, 5], [0, 1, 2]],
    [[3, 41, 37, 16], [1, 2]],
    [[40, 30, 20], [0, 1]],
  ];
  let seed = 1;
  for (const [shape, axis] of cases) {
    const data = randomArray(shape.reduce((a, b) => a * b, 1), seed++);
    for (const kind of ['sum', 'mean'] as const) {
      for (const keepDims of [false, true]) {
        const ref = await reduce('cpu', kind, data, shape, axis, keepDims);
        const got = await reduce('wasm', kind, data, shape, axis, keepDims);
        const what = `${kind} ${JSON.stringify(shape)} axes ${JSON.stringify(axis)} keepDims ${keepDims}`;
        assert.deepEqual(got.shape, ref.shape, `${what}: shape`);
        let maxAbs = 0;
        let maxDiff = 0;
        ref.values.forEach((v, i) => {
          maxAbs = Math.max(maxAbs, Math.abs(v));
          maxDiff = Math.max(maxDiff, Math.abs(v - (got.values[i] as number)));
        });
        assert.ok(maxDiff <= 1e-5 * Math.max(1, maxAbs), `${what}: max |diff| ${maxDiff} vs max |ref| ${maxAbs}`);
      }
    }
  }
});
