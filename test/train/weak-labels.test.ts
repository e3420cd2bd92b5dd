/**
 * Slice labels as weak supervision of the localiser (src/train/weak-labels.ts): the pooling's
 * numbers by hand, the Kaggle-weighted loss by hand, labelled slices read from a synth folder
 * (its labels.csv), a coded error for an image without labels, seeded whole-slice batches, and the
 * trainer: with `weak` the pooled slice loss on the weak slices falls below a run without them
 * (same seed, same crops; at weight 0 the weights equal that run's, batch-norm statistics included), and the same seed repeats the same losses. Tiny generated data (seed 9,
 * 2 studies × 6 slices at 256², read at 64 px), wasm.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random.js';
import { SUBTYPE_INDEX } from '../../src/core/subtypes.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { initBackend } from '../../src/model/engine/index.js';
import { generateSynthDataset } from '../../src/synth/index.js';
import { preprocessSlice } from '../../src/train/blood-masks.js';
import { readSubtypeMaskedSlices, type SubtypeMaskedSlice } from '../../src/train/subtype-masks.js';
import { trainSubtypeSegmenter, type SubtypeSegmenterTrainOptions } from '../../src/train/train-subtype-segmenter.js';
import { maxWeightDiff } from '../helpers/weight-diff.js';
import { drawWeakBatch, poolSliceScores, readWeakSlices, weakLabelBce, type WeakSlice } from '../../src/train/weak-labels.js';

const WINDOWS = [...(WINDOW_STACKS['bss'] ?? [])];
let dir = '';
let weak: WeakSlice[] = [];
let masked: SubtypeMaskedSlice[] = [];

before(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'ichscan-weak-labels-'));
  await generateSynthDataset({ studies: 2, slicesPerStudy: [6, 6], size: 256, seed: 9, prevalence: 1, out: join(dir, 'synth'), force: true });
  weak = await readWeakSlices(join(dir, 'synth', 'images'), join(dir, 'synth', 'labels.csv'));
  masked = await readSubtypeMaskedSlices(join(dir, 'synth'), { size: 64, stride: 2 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('log-mean-exp pooling: one confident cell of 128², a flat map, between mean and max, near the max when sharp', () => {
  const one = new Float32Array(128 * 128);
  one[777] = 1;
  const flat = new Float32Array(128 * 128).fill(0.01);
  const scores = poolSliceScores(tf.tensor4d([...one, ...flat], [2, 128, 128, 1]), 20).dataSync();
  // (1/20)·ln((e^20 + 16383) / 16384), by hand
  assert.ok(Math.abs((scores[0] as number) - Math.log((Math.exp(20) + 16383) / 16384) / 20) < 1e-4, `one cell: ${scores[0]}`);
  assert.ok(Math.abs((scores[1] as number) - 0.01) < 1e-5, `flat: ${scores[1]}`);
  const rng = createRng(3);
  const p = Float32Array.from({ length: 64 }, () => rng.next());
  const s = poolSliceScores(tf.tensor4d(p, [1, 8, 8, 1]), 20).dataSync()[0] as number;
  assert.ok(s > p.reduce((a, b) => a + b, 0) / 64 && s < Math.max(...p), `${s} between mean and max`);
  // a sharp pool does not overflow (exp(200) is beyond float32) and comes close to the max
  const sharp = poolSliceScores(tf.tensor4d(p, [1, 8, 8, 1]), 200).dataSync()[0] as number;
  assert.ok(Number.isFinite(sharp) && sharp <= Math.max(...p) + 1e-6 && sharp > Math.max(...p) - Math.log(64) / 200 - 1e-6, `r = 200: ${sharp} vs max ${Math.max(...p)}`);
});

test('weak-label loss: the Kaggle-weighted BCE (any ×2, /7) by hand', () => {
  const y = [0, 1, 0, 0, 0, 1];
  const q = [0.1, 0.6, 0.2, 0.05, 0.3, 0.7];
  const w = [1, 1, 1, 1, 1, 2];
  const hand = -y.reduce((a, t, k) => a + ((w[k] as number) / 7) * (t * Math.log(q[k] as number) + (1 - t) * Math.log(1 - (q[k] as number))), 0);
  const got = weakLabelBce(tf.tensor2d([y], [1, 6]), tf.tensor2d([q], [1, 6])).dataSync()[0] as number;
  assert.ok(Math.abs(got - hand) < 1e-5, `${got} vs ${hand}`);
});

test('labelled slices: every file of the folder with its six labels; a missing label set is ICH_E_BAD_LABELS naming the file', async () => {
  assert.equal(weak.length, 12);
  const csv = readFileSync(join(dir, 'synth', 'labels.csv'), 'utf8').split('\n');
  for (const s of weak) {
    const anyRow = csv.find((l) => l.startsWith(`${s.id}_any,`));
    assert.equal(s.labels[SUBTYPE_INDEX.any], Number(anyRow?.split(',')[1]), s.id);
  }
  assert.ok(weak.some((s) => s.labels[SUBTYPE_INDEX.any] === 1) && weak.some((s) => s.labels[SUBTYPE_INDEX.any] === 0), 'both kinds in the fixture');
  const first = weak[0] as WeakSlice;
  writeFileSync(join(dir, 'short.csv'), csv.filter((l) => !l.startsWith(first.id)).join('\n'));
  await assert.rejects(readWeakSlices(join(dir, 'synth', 'images'), join(dir, 'short.csv')), (e: Error & { code?: string }) => e.code === 'ICH_E_BAD_LABELS' && e.message.includes(`${first.id}.dcm`) && e.message.includes(first.id));
});

test('whole-slice batches: seeded, half bleeding, labels attached, a flip mirrors the slice', () => {
  const o = { size: 64, windows: WINDOWS, huOffset: 0, huScale: 0 };
  const a = drawWeakBatch(weak, 40, o, createRng(5));
  const b = drawWeakBatch(weak, 40, o, createRng(5));
  assert.deepEqual(a.y, b.y);
  assert.deepEqual(a.x.data, b.x.data);
  assert.deepEqual(a.x.shape, [40, 64, 64, 3]);
  const positives = Array.from({ length: 40 }, (_, i) => a.y[i * 6 + 5] as number).reduce((s, v) => s + v, 0);
  assert.ok(positives >= 12 && positives <= 28, `${positives} of 40 bleeding`);
  // with no jitter every drawn image is its slice, as is or mirrored
  const n = 64 * 64 * 3;
  let mirrored = 0;
  for (let i = 0; i < 40; i++) {
    const img = a.x.data.subarray(i * n, (i + 1) * n);
    const match = weak.find((s) => {
      const ref = preprocessSlice(s, o).data;
      const plain = img.every((v, k) => Math.abs(v - (ref[k] as number) / 255) < 1e-6);
      const flipped = img.every((v, k) => {
        const px = Math.floor(k / 3);
        const src = (Math.floor(px / 64) * 64 + 63 - (px % 64)) * 3 + (k % 3);
        return Math.abs(v - (ref[src] as number) / 255) < 1e-6;
      });
      if (flipped && !plain) mirrored++;
      return plain || flipped;
    });
    assert.ok(match, `image ${i} is a slice of the folder`);
    assert.deepEqual(Array.from(a.y.subarray(i * 6, i * 6 + 6)), Array.from(match.labels), `image ${i}'s labels`);
  }
  assert.ok(mirrored >= 8 && mirrored <= 32, `${mirrored} of 40 mirrored`);
});

test('the trainer: weak labels lower the pooled slice loss against a run without them, deterministically', async () => {
  const base = (runDir: string): SubtypeSegmenterTrainOptions => ({
    size: 64, stride: 2, windows: WINDOWS, crop: 32, positiveShare: 0.5, huOffset: 10, huScale: 0.05, zoom: 0.1,
    runDir, steps: 12, batch: 4, learningRate: 0.003, positiveWeight: 2, seed: 4, checkpointEvery: 100,
  });
  const w = { slices: weak, batch: 2, weight: 1, sharpness: 20 };
  const plain = await trainSubtypeSegmenter(masked, masked, base(join(dir, 'plain')));
  // the whole slices run in inference mode: at weight 0 they change nothing, batch-norm statistics included
  const zero = await trainSubtypeSegmenter(masked, masked, { ...base(join(dir, 'zero')), weak: { ...w, weight: 0 } });
  assert.ok(maxWeightDiff(zero.model, plain.model) <= 1e-6, `weight 0 moved the weights by ${maxWeightDiff(zero.model, plain.model)}`);
  const a = await trainSubtypeSegmenter(masked, masked, { ...base(join(dir, 'weak-a')), weak: w });
  const b = await trainSubtypeSegmenter(masked, masked, { ...base(join(dir, 'weak-b')), weak: w });
  a.losses.forEach((l, i) => assert.ok(Math.abs(l - (b.losses[i] as number)) <= 1e-5 * Math.max(1, l), `step ${i}: ${l} vs ${b.losses[i]}`));
  assert.ok(maxWeightDiff(a.model, b.model) <= 1e-6, 'same seed, same weights');
  const o = { size: 64, windows: WINDOWS, huOffset: 0, huScale: 0 };
  const all = drawWeakBatch(weak, 24, o, createRng(1));
  const loss = (m: tf.LayersModel): number =>
    tf.tidy(() => weakLabelBce(tf.tensor2d(all.y, [24, 6]), poolSliceScores(m.apply(tf.tensor4d(all.x.data, [...all.x.shape])) as tf.Tensor, 20)).dataSync()[0] as number);
  const withWeak = loss(a.model);
  const without = loss(plain.model);
  assert.ok(withWeak < without, `pooled slice loss with weak labels ${withWeak} vs without ${without}`);
});
