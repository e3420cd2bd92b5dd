/**
 * The localiser as the verdict's blood map (trunk.bloodMap names seg.onnx with channel {6, 5}):
 * computeBloodMaps takes the `any` plane of the six-channel map (flip included), the card check
 * refuses a channel outside the map, and a model folder built that way scores as the head applied
 * by hand to HU + blood-map features of that plane, and still draws masks with the same file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random.js';
import { SUBTYPES } from '../../src/core/subtypes.js';
import type { Image } from '../../src/core/tensor.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { BLEEDSEG_FINE_CHANNELS, BLEEDSEG_FINE_STRIDE, buildBleedSegFine } from '../../src/model/architectures/bleedseg-fine.js';
import { exportLayersModelToOnnx } from '../../src/model/onnx/export.js';
import { createOnnxEngine } from '../../src/model/onnx/runner.js';
import { buildContextBatch, computeBloodMaps, stackEmbeddings } from '../../src/model/features/slice-context.js';
import { computeHuFeatureRows, countHuRowFeatures } from '../../src/model/features/hu-features.js';
import { MODEL_CARD_FILE, MODEL_FORMAT, readModelCard, type ModelCard } from '../../src/model/card/model-card.js';
import { buildLogisticHeadOnnx, writeModelFolder } from '../../src/model/card/model-folder.js';
import { openScorer } from '../../src/infer/scorer.js';
import { applyLogisticHead } from '../../src/train/default-model/logistic.js';

const SIZE = 64;
const WINDOWS = [...(WINDOW_STACKS['bss'] ?? [])];
const ANY = { count: BLEEDSEG_FINE_CHANNELS, index: BLEEDSEG_FINE_CHANNELS - 1 };

/** 3 slices: a bright disc on air, off centre so a flip changes the map. */
function discs(): Image<'uint8'>[] {
  return [9, 13, 17].map((r) => {
    const data = new Uint8Array(SIZE * SIZE * 3);
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        const d = Math.hypot(y - 30, x - 26);
        const v = d < r ? 150 : d < r + 3 ? 255 : 0;
        data.set([v, 120 + (x % 7) * 10, v], (y * SIZE + x) * 3);
      }
    return { dtype: 'uint8', data, shape: [SIZE, SIZE, 3] };
  });
}

function segModel(): Uint8Array {
  tf.env().set('PROD', true);
  return exportLayersModelToOnnx(buildBleedSegFine({ channels: 3, size: SIZE }, createRng(3)));
}

test('computeBloodMaps with a channel: the any plane of the [m, m, 6] map, mirrored back under flip', async () => {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const images = discs();
  const engine = await createOnnxEngine(segModel(), { provider: 'cpu', threads: 1 });
  try {
    const m = SIZE / BLEEDSEG_FINE_STRIDE;
    for (const flip of [false, true]) {
      const raw = await engine.run(buildContextBatch(images, [0, 1, 2], 0, flip));
      const maps = await computeBloodMaps(engine, images, BLEEDSEG_FINE_STRIDE, flip, 2, ANY);
      assert.equal(maps.length, 3);
      for (let i = 0; i < 3; i++) {
        const plane = maps[i]?.data as Float32Array;
        assert.deepEqual(maps[i]?.shape, [m, m]);
        for (const [y, x] of [[0, 0], [5, 3], [m - 1, 2], [17, m - 1]] as const) {
          const sx = flip ? m - 1 - x : x;
          assert.equal(plane[y * m + x], raw[((i * m + y) * m + sx) * 6 + 5], `slice ${i} cell ${y},${x} flip ${flip}`);
        }
      }
    }
  } finally {
    await engine.dispose();
  }
});

test('the card refuses a blood-map channel outside its map', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-bmchan-'));
  try {
    const card = {
      format: MODEL_FORMAT, kind: 'embedding-head', architecture: 'test', inputSize: SIZE, windows: WINDOWS, context: 0, outputs: SUBTYPES,
      trunk: { features: 0, huFeatures: true, bloodMap: { file: 'seg.onnx', stride: 2, channel: { count: 6, index: 6 } } },
      trainingData: {}, validation: {}, created: '2026-12-02',
    };
    writeFileSync(join(dir, MODEL_CARD_FILE), JSON.stringify(card));
    assert.throws(() => readModelCard(dir), /trunk\.bloodMap\.channel/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder whose blood map is its localiser: scorer = head(HU + any-plane features), masks from the same file', async () => {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const seg = segModel();
  const F = countHuRowFeatures(true);
  const rng = createRng(5);
  const weights = Float32Array.from({ length: F * 3 * 6 }, () => rng.normal() * 0.1);
  const bias = Float32Array.from({ length: 6 }, () => -1);
  const card: ModelCard = {
    format: MODEL_FORMAT, kind: 'embedding-head', architecture: 'test', inputSize: SIZE, windows: WINDOWS, context: 1, outputs: SUBTYPES,
    trunk: { features: 0, huFeatures: true, bloodMap: { file: 'seg.onnx', stride: BLEEDSEG_FINE_STRIDE, channel: ANY } },
    localiser: { file: 'seg.onnx', architecture: 'bleedseg-fine', stride: BLEEDSEG_FINE_STRIDE, channels: SUBTYPES },
    trainingData: {}, validation: {}, created: '2026-12-02',
  };
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-bmloc-'));
  try {
    writeModelFolder(dir, card, { 'head.onnx': buildLogisticHeadOnnx(weights, bias, F * 3, 'test'), 'seg.onnx': seg });
    const images = discs();
    const scorer = await openScorer(dir, { threads: 1 });
    const engine = await createOnnxEngine(seg, { provider: 'cpu', threads: 1 });
    try {
      const maps = await computeBloodMaps(engine, images, BLEEDSEG_FINE_STRIDE, false, 8, ANY);
      const rows = computeHuFeatureRows(images, WINDOWS, maps);
      const byHand = applyLogisticHead({ features: F * 3, weights, bias }, stackEmbeddings(rows, 3, F, 1, [0, 1, 2]).data, 3);
      const got = await scorer.scoreSeriesWithMaps(images);
      got.probabilities.forEach((v, i) => assert.ok(Math.abs(v - (byHand[i] as number)) < 1e-5, `value ${i}: ${v} vs ${byHand[i]}`));
      assert.deepEqual([...(got.bloodMaps?.[1]?.data ?? [])], [...(maps[1]?.data ?? [])]);
      assert.ok(scorer.localiseSlices, 'the localiser is there');
      const sub = await scorer.localiseSlices(images, [0, 2], { tta: false });
      assert.equal(sub.length, 2);
      assert.ok(sub[0]);
    } finally {
      await scorer.dispose();
      await engine.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
