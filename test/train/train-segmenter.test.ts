/**
 * The blood segmenter's trainer on a small generated synthetic set (2 bleeding studies × 8 slices
 * at 256², seed 9): the loss by hand, learning (validation loss falls), and resume after a
 * checkpoint giving the same weights as one uninterrupted run.
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
import { readMaskedSlices, type MaskedSlice } from '../../src/train/blood-masks.js';
import { computeValidationLoss, trainSegmenter, weightedPixelBce, type SegmenterTrainOptions } from '../../src/train/train-segmenter.js';
import { maxWeightDiff } from '../helpers/weight-diff.js';

let dir = '';
let slices: MaskedSlice[] = [];
const base = (runDir: string, steps: number): SegmenterTrainOptions => ({
  size: 128, stride: 4, windows: [...(WINDOW_STACKS['bss'] ?? [])], crop: 64, positiveShare: 0.5, huOffset: 10, huScale: 0.05,
  runDir, steps, batch: 4, learningRate: 0.003, positiveWeight: 3, seed: 4, checkpointEvery: 5,
});

before(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'ichscan-bleedseg-train-'));
  await generateSynthDataset({ studies: 2, slicesPerStudy: [8, 8], size: 256, seed: 9, prevalence: 1, out: join(dir, 'synth'), force: true });
  slices = await readMaskedSlices(join(dir, 'synth'), { size: 128, stride: 4 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('weightedPixelBce: −mean(w·y·log p + (1−y)·log(1−p))', () => {
  const y = tf.tensor([1, 0, 0.5, 0]);
  const p = tf.tensor([0.8, 0.1, 0.5, 0.3]);
  const expected = -(3 * Math.log(0.8) + Math.log(0.9) + (3 * 0.5 * Math.log(0.5) + 0.5 * Math.log(0.5)) + Math.log(0.7)) / 4;
  const got = weightedPixelBce(y, p, 3).dataSync()[0] as number;
  assert.ok(Math.abs(got - expected) < 1e-6, `${got} vs ${expected}`);
});

test('training lowers the validation loss; a resumed run equals an uninterrupted one', async () => {
  const a = await trainSegmenter(slices, slices, base(join(dir, 'a'), 10));
  // b: killed after its step-5 checkpoint (a first call asked for 5 steps), then resumed to 10
  await trainSegmenter(slices, slices, base(join(dir, 'b'), 5));
  const b = await trainSegmenter(slices, slices, base(join(dir, 'b'), 10));
  const maxDiff = maxWeightDiff(a.model, b.model);
  // not bit-equal: tfjs restores Adam's β^t as pow(β, t + 1) where the run multiplied t times (float32);
  // a resume that lost the Adam moments or replayed other crops differs by ~lr = 3e-3
  assert.ok(maxDiff < 1e-4, `resumed weights differ by ${maxDiff}`);
  assert.deepEqual(b.history.map(([s]) => s), [5, 10]);
  // learning: 40 steps from scratch beat the untrained model on whole slices
  const c = await trainSegmenter(slices, slices, { ...base(join(dir, 'c'), 40), checkpointEvery: 40 });
  const fresh = await trainSegmenter(slices, slices, { ...base(join(dir, 'd'), 0), checkpointEvery: 40 });
  const o = base('', 0);
  const before0 = computeValidationLoss(fresh.model, slices, o, 3);
  const after40 = computeValidationLoss(c.model, slices, o, 3);
  assert.ok(after40 < 0.8 * before0, `validation loss ${before0} → ${after40}`);
});

test('learning-rate step decay: factor 0 from step 3 freezes the trainable weights after step 3', async () => {
  const at3 = await trainSegmenter(slices, slices, { ...base(join(dir, 'e'), 3), checkpointEvery: 3 });
  const w3 = at3.model.trainableWeights.map((w) => Float32Array.from(w.read().dataSync()));
  const at6 = await trainSegmenter(slices, slices, { ...base(join(dir, 'f'), 6), checkpointEvery: 3, lrDecayStep: 3, lrDecayFactor: 0 });
  at6.model.trainableWeights.forEach((w, i) => assert.deepEqual(Float32Array.from(w.read().dataSync()), w3[i], w.name));
  // without the decay the same steps move them
  const free = await trainSegmenter(slices, slices, { ...base(join(dir, 'g'), 6), checkpointEvery: 3 });
  assert.ok(free.model.trainableWeights.some((w, i) => w.read().dataSync().some((v, j) => v !== (w3[i] as Float32Array)[j])));
});
