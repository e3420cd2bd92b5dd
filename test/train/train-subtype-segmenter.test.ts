/**
 * The localiser's trainer on tiny generated data (2 bleeding synthetic studies × 6 slices at 256²,
 * seed 9, read at 64 px): a few steps from a seed are deterministic (same seed → same losses and
 * weights) and lower the validation loss, on wasm and on torch (skipped without the addon; fails
 * in CI without it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { initBackend } from '../../src/model/engine/index.js';
import { generateSynthDataset } from '../../src/synth/index.js';
import { readSubtypeMaskedSlices, type SubtypeMaskedSlice } from '../../src/train/subtype-masks.js';
import { computeSubtypeValidationLoss, trainSubtypeSegmenter, type SubtypeSegmenterTrainOptions } from '../../src/train/train-subtype-segmenter.js';
import { initTorchForTests, torchSkipReason } from '../model/engine/torch-compare.js';
import { maxWeightDiff } from '../helpers/weight-diff.js';

let dir = '';
let slices: SubtypeMaskedSlice[] = [];
const base = (runDir: string, steps: number): SubtypeSegmenterTrainOptions => ({
  size: 64, stride: 2, windows: [...(WINDOW_STACKS['bss'] ?? [])], crop: 32, positiveShare: 0.5, huOffset: 10, huScale: 0.05, zoom: 0.1,
  runDir, steps, batch: 4, learningRate: 0.003, positiveWeight: 2, seed: 4, checkpointEvery: 100,
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ichscan-bleedseg-fine-train-'));
  await generateSynthDataset({ studies: 2, slicesPerStudy: [6, 6], size: 256, seed: 9, prevalence: 1, out: join(dir, 'synth'), force: true });
  slices = await readSubtypeMaskedSlices(join(dir, 'synth'), { size: 64, stride: 2 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function checkDeterministicAndLearning(tag: string): Promise<void> {
  const a = await trainSubtypeSegmenter(slices, slices, base(join(dir, `${tag}-a`), 6));
  const b = await trainSubtypeSegmenter(slices, slices, base(join(dir, `${tag}-b`), 6));
  assert.equal(a.losses.length, 6);
  a.losses.forEach((l, i) => assert.ok(Math.abs(l - (b.losses[i] as number)) <= 1e-5 * Math.max(1, l), `step ${i}: ${l} vs ${b.losses[i]}`));
  const maxDiff = maxWeightDiff(a.model, b.model);
  assert.ok(maxDiff <= 1e-5, `same seed, weights differ by ${maxDiff}`);
  const fresh = await trainSubtypeSegmenter(slices, slices, base(join(dir, `${tag}-c`), 0));
  const o = base('', 0);
  const before0 = computeSubtypeValidationLoss(fresh.model, slices, o, o.positiveWeight);
  const after6 = computeSubtypeValidationLoss(a.model, slices, o, o.positiveWeight);
  assert.ok(after6 < before0, `validation loss ${before0} → ${after6}`);
}

test('wasm: seeded steps are deterministic and learn', async () => {
  await initBackend('wasm');
  await checkDeterministicAndLearning('wasm');
});

test('torch: seeded steps are deterministic and learn', { skip: torchSkipReason() }, async () => {
  await initTorchForTests();
  await tf.setBackend('torch');
  try {
    await checkDeterministicAndLearning('torch');
  } finally {
    await tf.setBackend('wasm');
  }
});
