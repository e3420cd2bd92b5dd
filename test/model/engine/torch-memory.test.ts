/**
 * No growth over 1,000 training steps on `torch`: tensors live in ATen memory and are freed by
 * tfjs' dispose, so the number of live ATen tensors, tfjs' tensor count and the process RSS stay
 * flat (RSS within 40 MB after the first 100 steps: allocator and JIT noise, not a leak — a leak of
 * one gradient tensor per step would show in the counts at once).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { kaggleWeightedLogLoss } from '../../../src/model/loss.js';
import { trainStep, type MicroBatch } from '../../../src/train/step.js';
import { loadTorchAddon } from '../../../src/model/engine/torch-addon.js';
import { createRng } from '../../../src/core/random.js';
import { initTorchForTests, torchSkipReason } from './torch-compare.js';

const skip = torchSkipReason();

test('1,000 Adam steps of a small CNN on torch: live ATen tensors, tfjs tensors and RSS stay flat', { skip }, async () => {
  await initTorchForTests();
  await tf.setBackend('torch');
  const addon = loadTorchAddon();
  const size = 32;
  const rng = createRng(1);
  const batch: MicroBatch = {
    x: { dtype: 'float32', data: Float32Array.from({ length: 4 * size * size * 3 }, () => rng.next()), shape: [4, size, size, 3] },
    y: Float32Array.from({ length: 24 }, () => (rng.chance(0.3) ? 1 : 0)),
  };
  // conv → max-pool → conv → global mean → dense: the kernels of the zoo, few enough to run 1,000 steps in seconds.
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [size, size, 3], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: 2 }) }),
      tf.layers.batchNormalization({ axis: 3 }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 6, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  const optimizer = tf.train.adam(1e-4);
  let at100 = { live: 0, tensors: 0, rss: 0 };
  for (let s = 1; s <= 1000; s++) {
    const loss = trainStep(model, optimizer, kaggleWeightedLogLoss, [batch]);
    assert.ok(Number.isFinite(loss), `step ${s}: loss ${loss}`);
    if (s === 100) at100 = { live: addon.liveCount(), tensors: tf.memory().numTensors, rss: process.memoryUsage().rss };
  }
  const live = addon.liveCount();
  const tensors = tf.memory().numTensors;
  const growthMb = (process.memoryUsage().rss - at100.rss) / 2 ** 20;
  model.dispose();
  optimizer.dispose();
  assert.equal(live, at100.live, 'live ATen tensors');
  assert.equal(tensors, at100.tensors, 'tfjs tensors');
  assert.ok(growthMb < 40, `RSS grew ${growthMb.toFixed(1)} MB between steps 100 and 1000`);
});
