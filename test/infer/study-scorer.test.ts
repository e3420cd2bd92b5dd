/**
 * The scorer on a study-head model folder (card `trunk.studyHead`): its probabilities equal the
 * study head applied by hand (tfjs) to the series' HU feature rows — whole series for 5 mm
 * slices, interleaved 5 mm subsequences for a thin series — and the card check refuses a study
 * head with 2.5D context.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random.js';
import { SUBTYPES } from '../../src/core/subtypes.js';
import type { Image } from '../../src/core/tensor.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { initBackend } from '../../src/model/engine/index.js';
import { buildStudyConv, setStandardisation } from '../../src/model/architectures/study-conv.js';
import { exportLayersModelToOnnx } from '../../src/model/onnx/export.js';
import { MODEL_FORMAT, readModelCard, type ModelCard } from '../../src/model/card/model-card.js';
import { writeModelFolder } from '../../src/model/card/model-folder.js';
import { computeHuFeatureRows, countHuRowFeatures } from '../../src/model/features/hu-features.js';
import { openScorer } from '../../src/infer/scorer.js';
import { paddedRows, splitBySpacing } from '../../src/infer/study-sequence.js';

await initBackend('wasm');

const SIZE = 64;
const windows = [...(WINDOW_STACKS['bss'] ?? [])];
const F = countHuRowFeatures(false);

/** A disc of "brain" (with a dense spot on some slices) inside a ring of "bone", plus seeded noise. */
function slices(n: number, seed: number): Image<'uint8'>[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, s) => {
    const data = new Uint8Array(SIZE * SIZE * 3);
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        const r = Math.hypot(x - 32, y - 32);
        const spot = s % 3 === 0 && Math.hypot(x - 24, y - 30) < 5;
        const v = r > 26 ? 0 : r > 22 ? 255 : spot ? 230 : 120 + rng.int(-20, 20);
        for (let c = 0; c < 3; c++) data[(y * SIZE + x) * 3 + c] = Math.min(255, v + c * 10);
      }
    return { dtype: 'uint8' as const, data, shape: [SIZE, SIZE, 3] as const };
  });
}

function runHead(model: tf.LayersModel, emb: Float32Array, idx: readonly number[]): Float32Array {
  const x = new Float32Array(idx.length * F);
  idx.forEach((i, j) => x.set(emb.subarray(i * F, (i + 1) * F), j * F));
  return tf.tidy(() => (model.predict(tf.tensor4d(x, [1, idx.length, 1, F])) as tf.Tensor).dataSync() as Float32Array).slice();
}

/** The head on a sequence as study-sequence.ts defines it: under 5 slices, 4 copies of each end slice around it, only its own outputs kept. */
function byHand(model: tf.LayersModel, emb: Float32Array, idx: readonly number[]): Float32Array {
  if (idx.length >= 5) return runHead(model, emb, idx);
  const first = idx[0] as number;
  const last = idx[idx.length - 1] as number;
  const padded = [first, first, first, first, ...idx, last, last, last, last];
  return runHead(model, emb, padded).slice(4 * 6, (4 + idx.length) * 6);
}

test('scorer on a study-head folder equals the head applied by hand (whole series, a lone slice, thin-series subsequences of 2 slices)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-study-'));
  try {
    const net = buildStudyConv({ features: F, hidden: [8, 8], kernel: 5 }, createRng(7), [-2, -2, -2, -2, -2, -1]);
    setStandardisation(net, new Float32Array(F).fill(0.2), new Float32Array(F).fill(0.5));
    const card: ModelCard = {
      format: MODEL_FORMAT,
      kind: 'embedding-head',
      architecture: 'HU density features + study-conv (test fixture)',
      inputSize: SIZE,
      windows,
      context: 0,
      contextSpacingMm: 5,
      outputs: SUBTYPES,
      trunk: { features: 0, huFeatures: true, studyHead: true },
      trainingData: { summary: 'none (random weights, test fixture)' },
      validation: {},
      created: '2026-12-01',
    };
    writeModelFolder(dir, card, { 'head.onnx': exportLayersModelToOnnx(net.model) });
    const scorer = await openScorer(dir, { provider: 'cpu' });
    for (const [n, spacing] of [[1, 5], [7, 5], [16, 0.625]] as const) {
      const images = slices(n, n);
      const z = Array.from({ length: n }, (_, i) => i * spacing);
      const got = await scorer.scoreSeries(images, { z });
      const emb = computeHuFeatureRows(images, windows, undefined);
      const want = new Float32Array(n * 6);
      const seqs = splitBySpacing(n, z, 5);
      assert.equal(seqs.length, spacing < 1 ? 8 : 1);
      for (const seq of seqs) {
        const p = byHand(net.model, emb, seq);
        seq.forEach((i, j) => want.set(p.subarray(j * 6, (j + 1) * 6), i * 6));
      }
      let worst = 0;
      for (let j = 0; j < n * 6; j++) worst = Math.max(worst, Math.abs((got[j] as number) - (want[j] as number)));
      assert.ok(worst < 1e-4, `n=${n}, spacing ${spacing}: max |scorer − by hand| ${worst}`);
      if (n === 1) {
        // the edge copies change what a lone slice gets (mean padding would give the unpadded head's output)
        const unpadded = runHead(net.model, emb, [0]);
        assert.ok(Math.max(...Array.from(unpadded, (v, j) => Math.abs(v - (got[j] as number)))) > 1e-3, 'a lone slice is not scored against average slices');
      }
    }
    await scorer.dispose();
    net.model.dispose();
    const cardFile = join(dir, 'model.json');
    writeFileSync(cardFile, JSON.stringify({ ...(JSON.parse(readFileSync(cardFile, 'utf8')) as ModelCard), context: 1 }));
    assert.throws(() => readModelCard(dir), /studyHead needs context 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('paddedRows: sequences under 5 slices get 4 copies of each end; longer ones run as they are', () => {
  assert.deepEqual(paddedRows(1), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(paddedRows(3), [0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2]);
  assert.deepEqual(paddedRows(5), [0, 1, 2, 3, 4]);
  assert.deepEqual(paddedRows(0), []);
});

test('splitBySpacing: one sequence at 5 mm or without z; interleaved ones for thin series', () => {
  assert.deepEqual(splitBySpacing(4, [0, 5, 10, 15], 5), [[0, 1, 2, 3]]);
  assert.deepEqual(splitBySpacing(4, undefined, 5), [[0, 1, 2, 3]]);
  assert.deepEqual(splitBySpacing(4, [0, null, 2, 3], 5), [[0, 1, 2, 3]]);
  assert.deepEqual(splitBySpacing(6, [0, 2.5, 5, 7.5, 10, 12.5], 5), [[0, 2, 4], [1, 3, 5]]);
  const thin = splitBySpacing(10, Array.from({ length: 10 }, (_, i) => i * 0.625), 5);
  assert.equal(thin.length, 8);
  assert.deepEqual(thin.flat().sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
});
