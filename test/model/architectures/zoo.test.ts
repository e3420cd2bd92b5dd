/**
 * The model zoo: every architecture builds by name, maps [n, s, s, c] to [n, 6] probabilities,
 * is reproducible from its seed and trains (one step changes its weights); counted multiply-adds
 * for ichnet by hand; the InceptionV3 trunk carries nsfwjs' pretrained weights and its channel
 * adaptation keeps the response to grey images; multi-head's `any` is its softmax's second output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/model/engine/index.js';
import { ARCHITECTURES, buildModel, countMultiplyAdds, loadInceptionV3Trunk, type ArchitectureName } from '../../../src/model/architectures/index.js';
import { kaggleWeightedLogLoss } from '../../../src/model/loss.js';
import { trainStep } from '../../../src/train/step.js';
import { createRng } from '../../../src/core/random.js';

function input(n: number, s: number, c: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * s * s * c }, () => rng.next()), [n, s, s, c]);
}

test('every architecture: [n, s, s, c] → [n, 6] in (0, 1), same seed same weights, one step trains', async () => {
  await initBackend('wasm');
  for (const name of Object.keys(ARCHITECTURES) as ArchitectureName[]) {
    const size = name.startsWith('inceptionv3') ? 75 : 32;
    const channels = name === 'simple-cnn' ? 9 : 3;
    const a = await buildModel(name, { size, channels, seed: 4 });
    const b = await buildModel(name, { size, channels, seed: 4 });
    const x = input(2, size, channels, 1);
    const p = a.predict(x) as tf.Tensor;
    assert.deepEqual(p.shape, [2, 6], name);
    const v = p.dataSync();
    assert.ok(v.every((q) => q > 0 && q < 1), `${name}: probabilities`);
    assert.deepEqual(Array.from((b.predict(x) as tf.Tensor).dataSync()), Array.from(v), `${name}: seeded`);
    const before = a.trainableWeights.map((w) => Float32Array.from(w.read().dataSync()));
    trainStep(a, tf.train.adam(1e-2), kaggleWeightedLogLoss, [{ x: { dtype: 'float32', data: x.dataSync() as Float32Array, shape: [2, size, size, channels] }, y: Float32Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]) }]);
    const changed = a.trainableWeights.some((w, i) => w.read().dataSync().some((q, j) => q !== before[i]![j]));
    assert.ok(changed, `${name}: weights change after a step`);
    if (name === 'inceptionv3-frozen') assert.equal(a.trainableWeights.length, 2, 'frozen: only the head trains');
    tf.dispose([a, b].flatMap((m) => m.weights.map((w) => w.read())));
  }
});

test('ichnet multiply-adds at 32 px match a hand count', async () => {
  await initBackend('wasm');
  const m = await buildModel('ichnet', { size: 32, channels: 3, seed: 0 });
  // stem 16²·(3·3·3)·24; per stage i (out side s_i, c_in → c): down s_i²·9·c_in·c, residual 2·s_i²·9·c²; head 96·6.
  const stages: [number, number, number][] = [[8, 24, 32], [4, 32, 48], [2, 48, 64], [1, 64, 96]];
  let macs = 16 * 16 * 27 * 24 + 96 * 6;
  for (const [s, cin, c] of stages) macs += s * s * 9 * cin * c + 2 * s * s * 9 * c * c;
  assert.equal(countMultiplyAdds(m), macs);
});

test('InceptionV3 trunk: pretrained (not random) weights, deterministic; 9-channel adaptation keeps grey-image features', async () => {
  await initBackend('wasm');
  const t3 = await loadInceptionV3Trunk(75, 3);
  const first = t3.getLayer('conv2d_1').getWeights()[0] as tf.Tensor;
  assert.deepEqual(first.shape, [3, 3, 3, 32]);
  // nsfwjs stores uint8-quantised weights: a pretrained kernel takes at most 256 distinct values.
  assert.ok(new Set(first.dataSync()).size <= 256, 'quantised pretrained weights');
  const grey = tf.tidy(() => tf.tile(input(1, 75, 1, 9), [1, 1, 1, 3]) as tf.Tensor4D);
  const f3 = (t3.predict(grey) as tf.Tensor).dataSync();
  const again = await loadInceptionV3Trunk(75, 3);
  assert.deepEqual(Array.from((again.predict(grey) as tf.Tensor).dataSync()), Array.from(f3));
  const t9 = await loadInceptionV3Trunk(75, 9);
  const f9 = (t9.predict(tf.tile(grey.slice([0, 0, 0, 0], [1, 75, 75, 1]), [1, 1, 1, 9])) as tf.Tensor).dataSync();
  let maxDiff = 0;
  let maxAbs = 0;
  f3.forEach((v, i) => {
    maxDiff = Math.max(maxDiff, Math.abs(v - (f9[i] as number)));
    maxAbs = Math.max(maxAbs, Math.abs(v));
  });
  assert.ok(maxDiff <= 1e-4 * Math.max(1, maxAbs), `9-channel vs 3-channel trunk on a grey image: ${maxDiff}`);
});

test('multi-head: the any output is the second softmax probability of the any head', async () => {
  await initBackend('wasm');
  const m = await buildModel('multi-head', { size: 32, channels: 3, seed: 2 });
  const x = input(3, 32, 3, 5);
  const out = (m.predict(x) as tf.Tensor).arraySync() as number[][];
  const probe = tf.model({ inputs: m.inputs, outputs: m.getLayer('any_softmax').output as tf.SymbolicTensor });
  const soft = (probe.predict(x) as tf.Tensor).arraySync() as number[][];
  out.forEach((row, i) => assert.ok(Math.abs((row[5] as number) - (soft[i]?.[1] as number)) < 1e-6));
});
