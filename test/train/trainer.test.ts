/**
 * The training loop on a learnable toy task (in-memory fixture): validation loss must fall well
 * below the constant-prior loss; run-folder contents; gradient accumulation equals one big batch;
 * a checkpoint round trip continues training exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/engine/index.js';
import { runTraining } from '../../src/train/trainer.js';
import { createRunDir, readEpochRecords } from '../../src/train/run-dir.js';
import { trainStep } from '../../src/train/step.js';
import { saveCheckpoint, loadCheckpoint, initialTrainerState } from '../../src/train/checkpoint.js';
import { kaggleWeightedLogLoss } from '../../src/model/loss.js';
import { weightedLogLoss } from '../../src/model/metrics.js';
import { createRng } from '../../src/core/random.js';
import type { TrainConfig } from '../../src/train/config.js';
import { createToyData } from './in-memory-data.js';

const sink = new Writable({ write(_c, _e, cb) { cb(); } });

function toyConfig(over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    db: '(in memory)', model: 'ichnet', size: 32, windows: 'bss', context: 0, epochs: 6, batch: 16, accum: 1, lr: 3e-3, lrDecay: 0.9,
    fold: 0, sampling: 'all', augment: 'none', loss: 'kaggle', seed: 1, backend: 'wasm', patience: 0, checkpointMinutes: 10,
    epochWeights: [0, 1, 2, 4, 6], workers: 0, maxImagesPerEpoch: 0, ...over,
  };
}

test('ichnet learns the toy task: validation loss far below the constant-prior loss', async () => {
  await initBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-train-'));
  try {
    const data = createToyData({ train: 320, val: 96, size: 32, batch: 16, seed: 7 });
    const config = toyConfig();
    createRunDir(dir, config, false);
    const summary = await runTraining({ config, runDir: dir, data, resume: false, log: sink, quiet: true });
    const prior = data.prior();
    const valT = data.valTargets();
    const constant = new Float32Array(valT.length).map((_, i) => prior[i % 6] as number);
    const priorLoss = weightedLogLoss(constant, valT);
    const records = readEpochRecords(dir);
    assert.equal(records.length, 6);
    assert.equal(summary.epochs, 6);
    assert.ok(summary.bestValLoss !== null && summary.bestValLoss < 0.5 * priorLoss, `best val loss ${summary.bestValLoss} vs constant prior ${priorLoss}`);
    const last = records.at(-1);
    assert.ok((last?.val.auc.any ?? 0) > 0.9, `AUC(any) ${last?.val.auc.any}`);
    assert.ok(last?.valAveraged !== undefined, 'epoch-weighted averaging recorded');
    assert.ok(records[0]!.lr > last!.lr, 'learning rate decays');
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'model/model.json', 'model/weights.bin', 'checkpoint/state.json', 'val-preds/epoch-5.f32']) assert.ok(existsSync(join(dir, f)), f);
    const state = JSON.parse(readFileSync(join(dir, 'checkpoint/state.json'), 'utf8')) as { finished: boolean };
    assert.equal(state.finished, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A small model without batch norm or dropout (so micro-batching cannot change its maths). */
function tinyModel(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 6, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

function randomBatch(n: number, seed: number): { x: { dtype: 'float32'; data: Float32Array; shape: [number, number, number, number] }; y: Float32Array } {
  const rng = createRng(seed);
  return {
    x: { dtype: 'float32', data: Float32Array.from({ length: n * 8 * 8 * 3 }, () => rng.next()), shape: [n, 8, 8, 3] },
    y: Float32Array.from({ length: n * 6 }, () => (rng.chance(0.3) ? 1 : 0)),
  };
}

function weightsOf(m: tf.LayersModel): Float32Array[] {
  return m.getWeights().map((w) => w.dataSync() as Float32Array);
}

test('gradient accumulation: 3 micro-batches (4+4+2) give the same step as one batch of 10', async () => {
  await initBackend('wasm');
  const whole = randomBatch(10, 3);
  const part = (from: number, to: number): { x: typeof whole.x; y: Float32Array } => ({
    x: { dtype: 'float32', data: whole.x.data.slice(from * 192, to * 192), shape: [to - from, 8, 8, 3] },
    y: whole.y.slice(from * 6, to * 6),
  });
  const a = tinyModel(5);
  const b = tinyModel(5);
  const la = trainStep(a, tf.train.sgd(0.5), kaggleWeightedLogLoss, [whole]);
  const lb = trainStep(b, tf.train.sgd(0.5), kaggleWeightedLogLoss, [part(0, 4), part(4, 8), part(8, 10)]);
  assert.ok(Math.abs(la - lb) < 1e-5, `loss ${la} vs ${lb}`);
  const wa = weightsOf(a);
  weightsOf(b).forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - (wa[i]![j] as number)) < 1e-5, `weight ${i}[${j}]`)));
});

test('checkpoint round trip: save, load into a fresh process state, the next Adam step is identical', async () => {
  await initBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-ckpt-'));
  try {
    const b1 = randomBatch(6, 11);
    const b2 = randomBatch(6, 12);
    const a = tinyModel(9);
    const optA = tf.train.adam(0.01);
    trainStep(a, optA, kaggleWeightedLogLoss, [b1]);
    const state = { ...initialTrainerState(), epoch: 2, stepsDone: 1 };
    await saveCheckpoint(dir, a, optA, state);
    trainStep(a, optA, kaggleWeightedLogLoss, [b2]);
    const loaded = await loadCheckpoint(dir);
    assert.ok(loaded);
    assert.deepEqual(loaded.state, state);
    const optB = tf.train.adam(0.01);
    await loaded.restoreOptimizer(optB);
    trainStep(loaded.model, optB, kaggleWeightedLogLoss, [b2]);
    const wa = weightsOf(a);
    weightsOf(loaded.model).forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - (wa[i]![j] as number)) < 1e-6, `weight ${i}[${j}]: ${v} vs ${wa[i]![j]}`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two replicas: a step split between the main thread and the replica worker equals one local step', async () => {
  await initBackend('wasm');
  const { startReplica } = await import('../../src/train/replica.js');
  const batch = randomBatch(7, 21);
  const a = tinyModel(13);
  const b = tinyModel(13);
  const la = trainStep(a, tf.train.sgd(0.5), kaggleWeightedLogLoss, [batch]);
  const replica = await startReplica(b, 'wasm', 'kaggle');
  try {
    const lb = await replica.step(b, tf.train.sgd(0.5), kaggleWeightedLogLoss, [batch]);
    assert.ok(Math.abs(la - lb) < 1e-5, `loss ${la} vs ${lb}`);
    const wa = weightsOf(a);
    weightsOf(b).forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - (wa[i]![j] as number)) < 1e-5, `weight ${i}[${j}]`)));
    // A second step: the replica must pick up the updated weights.
    const la2 = trainStep(a, tf.train.sgd(0.5), kaggleWeightedLogLoss, [batch]);
    const lb2 = await replica.step(b, tf.train.sgd(0.5), kaggleWeightedLogLoss, [batch]);
    assert.ok(Math.abs(la2 - lb2) < 1e-5, `second step loss ${la2} vs ${lb2}`);
  } finally {
    await replica.close();
  }
});
