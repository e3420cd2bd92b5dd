/**
 * bleedseg-fine (the localiser): [n, S, S, c] → [n, S/2, S/2, 6] probabilities at any multiple of
 * 8 (crops in training, 256 at inference), the same seed gives the same weights, and a cell's
 * output depends on nearby input only up to its receptive field (a stride-2 map really is local).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/model/engine/index.js';
import { BLEEDSEG_FINE_CHANNELS, BLEEDSEG_FINE_STRIDE, buildBleedSegFine } from '../../../src/model/architectures/bleedseg-fine.js';
import { createRng } from '../../../src/core/random.js';

test('bleedseg-fine: output [n, S/2, S/2, 6] in (0, 1) for S = 32, 64, 96; seeded weights', async () => {
  await initBackend('wasm');
  assert.equal(BLEEDSEG_FINE_STRIDE, 2);
  assert.equal(BLEEDSEG_FINE_CHANNELS, 6);
  const model = buildBleedSegFine({ channels: 3, size: null }, createRng(3));
  for (const s of [32, 64, 96]) {
    const rng = createRng(s);
    const x = tf.tensor4d(Float32Array.from({ length: 2 * s * s * 3 }, () => rng.next()), [2, s, s, 3]);
    const y = model.predict(x) as tf.Tensor;
    assert.deepEqual(y.shape, [2, s / 2, s / 2, 6]);
    const v = y.dataSync();
    assert.ok(v.every((p) => p > 0 && p < 1));
    x.dispose();
    y.dispose();
  }
  const a = buildBleedSegFine({ channels: 3, size: 64 }, createRng(3)).getWeights();
  const b = model.getWeights();
  assert.equal(a.length, b.length);
  a.forEach((t, i) => assert.deepEqual(Array.from(t.dataSync()), Array.from((b[i] as tf.Tensor).dataSync())));
});

test('bleedseg-fine: a pixel change far outside a cell\'s receptive field leaves that cell unchanged', async () => {
  await initBackend('wasm');
  const s = 256;
  const model = buildBleedSegFine({ channels: 3, size: s }, createRng(5));
  const base = new Float32Array(s * s * 3).fill(0.5);
  const moved = base.slice();
  moved[(10 * s + 10) * 3] = 1; // top-left corner
  const run = (d: Float32Array): Float32Array => tf.tidy(() => (model.predict(tf.tensor4d(d, [1, s, s, 3])) as tf.Tensor).dataSync() as Float32Array);
  const p = run(base);
  const q = run(moved);
  const m = s / 2;
  const at = (y: number, x: number, c: number): number => (y * m + x) * 6 + c;
  // bottom-right cell: ~230 px away, beyond the ≈100 px receptive field
  assert.equal(q[at(m - 1, m - 1, 5)], p[at(m - 1, m - 1, 5)]);
  // the cell over the changed pixel sees it
  assert.notEqual(q[at(5, 5, 5)], p[at(5, 5, 5)]);
});
