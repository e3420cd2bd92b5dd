/** Prior initialisation of the output bias. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/model/engine/index.js';
import { buildModel } from '../../src/model/architectures/index.js';
import { labelPrior, setOutputBiasToPrior } from '../../src/train/prior-bias.js';

test('label prior skips unlabelled rows; the output bias becomes logit(prior), clamped', async () => {
  await initBackend('wasm');
  const prior = labelPrior([Float32Array.from([0, 1, 0, 0, 0, 1]), Float32Array.from([0, 0, 0, 0, 0, 0]), new Float32Array(6).fill(Number.NaN), Float32Array.from([0, 0, 0, 1, 0, 1])]);
  assert.deepEqual(Array.from(prior), [0, 1 / 3, 0, 1 / 3, 0, 2 / 3]);
  const m = await buildModel('ichnet', { size: 32, channels: 3, seed: 1 });
  assert.equal(setOutputBiasToPrior(m, prior), true);
  const bias = Array.from(m.getLayer('labels').getWeights()[1]?.dataSync() ?? []);
  const expected = [Math.log(1e-3 / 0.999), Math.log(0.5), Math.log(1e-3 / 0.999), Math.log(0.5), Math.log(1e-3 / 0.999), Math.log(2)];
  bias.forEach((b, k) => assert.ok(Math.abs(b - (expected[k] as number)) < 1e-5, `bias ${k}: ${b}`));
  const mh = await buildModel('multi-head', { size: 32, channels: 3, seed: 1 });
  assert.equal(setOutputBiasToPrior(mh, prior), false, 'multi-head has no single six-way output layer');
});
