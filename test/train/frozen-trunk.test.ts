/**
 * Fast transfer learning: the feature store (append, reopen, torn-write repair) and the
 * inceptionv3-frozen path on the toy task — head trained on cached trunk features, and the
 * exported full model (trunk + head) giving the same probabilities from images as the head gives
 * from the cached features.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/engine/index.js';
import { openFeatureStore } from '../../src/train/features.js';
import { assembleFullModel, buildHeadTrainingModel, defaultFeatureDir, featureKey, prepareFeatureData } from '../../src/train/frozen-trunk.js';
import { runTraining } from '../../src/train/trainer.js';
import { createRunDir } from '../../src/train/run-dir.js';
import { readModelDir } from '../../src/train/model-io.js';
import type { TrainConfig } from '../../src/train/config.js';
import { createToyData } from './in-memory-data.js';

const sink = new Writable({ write(_c, _e, cb) { cb(); } });

test('feature store: rows persist, reopen finds them, rows without ids (a kill) are cut off', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-feat-'));
  try {
    const s = openFeatureStore(dir, 'k', 3);
    s.add(['a', 'b'], Float32Array.from([1, 2, 3, 4, 5, 6]));
    s.add(['c'], Float32Array.from([7, 8, 9]));
    appendFileSync(join(dir, 'k.f32'), new Uint8Array(12)); // a row appended by a run killed before its id list
    const r = openFeatureStore(dir, 'k', 3);
    assert.equal(r.size, 3);
    assert.deepEqual(Array.from(r.get('b') ?? []), [4, 5, 6]);
    assert.equal(statSync(join(dir, 'k.f32')).size, 36);
    r.add(['d'], Float32Array.from([10, 11, 12]));
    assert.deepEqual(Array.from(openFeatureStore(dir, 'k', 3).get('d') ?? []), [10, 11, 12]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inceptionv3-frozen: head trained on cached features; the exported full model matches the head', async () => {
  await initBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-frozen-'));
  try {
    const size = 80;
    const toy = createToyData({ train: 48, val: 16, size, batch: 16, seed: 3 });
    const config: TrainConfig = {
      db: join(dir, 'index.db'), model: 'inceptionv3-frozen', size, windows: 'bss', context: 0, epochs: 1, batch: 16, accum: 1, lr: 1e-3, lrDecay: 1,
      fold: 0, sampling: 'all', augment: 'none', loss: 'kaggle', seed: 2, backend: 'wasm', patience: 0, checkpointMinutes: 10, epochWeights: [],
      workers: 0, maxImagesPerEpoch: 0, cacheDir: join(dir, 'cache'),
    };
    const features = await prepareFeatureData(config, toy, sink, true);
    const store = openFeatureStore(defaultFeatureDir(config), featureKey(config, 3), 2048);
    assert.equal(store.size, 64, 'every train and validation image has cached features');
    const run = join(dir, 'run');
    createRunDir(run, config, false);
    const summary = await runTraining({
      config, runDir: run, data: features, resume: false, log: sink, quiet: true,
      createModel: async () => buildHeadTrainingModel(config.seed),
      exportModel: (head) => assembleFullModel(head, config, 3),
    });
    assert.equal(summary.epochs, 1);
    const full = await readModelDir(join(run, 'model'));
    assert.deepEqual(full.inputs[0]?.shape, [null, size, size, 3]);
    // The same validation images through the full model and through the head on their features.
    const batch = (await toy.validationBatches().next()).value as { x: { data: Float32Array; shape: number[] } };
    const fromImages = tf.tidy(() => (full.predict(tf.tensor4d(batch.x.data, batch.x.shape as [number, number, number, number])) as tf.Tensor).dataSync());
    const headDir = join(run, 'checkpoint');
    const head = await readModelDir(headDir);
    assert.equal(summary.bestEpoch, 0, 'one epoch: the checkpoint head is the exported best head');
    const fb = (await features.validationBatches().next()).value as { x: { data: Float32Array; shape: number[] } };
    const fromFeatures = tf.tidy(() => (head.predict(tf.tensor4d(fb.x.data, fb.x.shape as [number, number, number, number])) as tf.Tensor).dataSync());
    let maxDiff = 0;
    fromImages.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - (fromFeatures[i] as number)))));
    assert.ok(maxDiff < 1e-4, `full model vs head on cached features: max diff ${maxDiff}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
