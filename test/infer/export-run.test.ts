/**
 * `ichscan export`: a run folder (made here with the trainer's own run-dir and model-io writers, an
 * untrained simple-cnn with 2.5D context) becomes a model folder whose card follows the run's
 * config and whose ONNX matches tfjs; an existing folder is not overwritten without --force.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/model/architectures/index.js';
import { writeModelDir } from '../../src/train/model-io.js';
import { BEST_MODEL_DIR, createRunDir } from '../../src/train/run-dir.js';
import type { TrainConfig } from '../../src/train/config.js';
import { readModelCard } from '../../src/model/card/model-card.js';
import { runCliCaptured } from '../helpers/cli.js';

test('export: run → model folder with card from config.json, parity checked', async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  const root = mkdtempSync(join(tmpdir(), 'ichscan-export-'));
  const run = join(root, 'run');
  const config: TrainConfig = {
    db: 'index.db', model: 'simple-cnn', size: 32, windows: 'bss', context: 1, epochs: 1, batch: 2, accum: 1, lr: 5e-4, lrDecay: 0.8, fold: 0,
    sampling: 'all', augment: 'none', loss: 'kaggle', seed: 1, backend: 'cpu', patience: 0, checkpointMinutes: 10, epochWeights: [], workers: 0, maxImagesPerEpoch: 0,
  } as TrainConfig;
  createRunDir(run, config, false);
  const model = await buildModel('simple-cnn', { size: 32, channels: 9, seed: 1 });
  await writeModelDir(model, join(run, BEST_MODEL_DIR));
  model.dispose();
  const out = join(root, 'model');
  const r = await runCliCaptured(['export', '--run', run, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { maxAbsDiff: number; architecture: string };
  assert.equal(res.architecture, 'simple-cnn');
  assert.ok(res.maxAbsDiff <= 1e-4);
  const card = readModelCard(out);
  assert.equal(card.kind, 'slice');
  assert.equal(card.inputSize, 32);
  assert.equal(card.context, 1);
  assert.deepEqual(card.windows.map((w) => w.name), ['brain', 'subdural', 'soft']);
  const again = await runCliCaptured(['export', '--run', run, '--out', out]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /ICH_E_OUTPUT_EXISTS/);
});
