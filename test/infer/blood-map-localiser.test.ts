/**
 * The localiser's `any` channel as a blood map (channel {6, 5}): computeBloodMaps takes that plane
 * of the six-channel map (flip included); the card check refuses a channel outside the map and a
 * second map without a first; joinSecondMapColumns appends the second map's four columns; and a
 * folder with blood.onnx as bloodMap and seg.onnx as secondBloodMap (and localiser) scores as the
 * head applied by hand to the joined rows, hands the second map on as the localiser's own any map
 * (predict's skip of the masks' localiser pass), and still draws masks with the same file.
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
import { BLEEDSEG_STRIDE, buildBleedSeg } from '../../src/model/architectures/bleedseg.js';
import { exportLayersModelToOnnx } from '../../src/model/onnx/export.js';
import { relaxSpatialDims } from '../../src/model/onnx/relax-dims.js';
import { createOnnxEngine } from '../../src/model/onnx/runner.js';
import { buildContextBatch, computeBloodMaps, stackEmbeddings } from '../../src/model/features/slice-context.js';
import { computeSeriesCrop, cropImage } from '../../src/model/features/localiser-crop.js';
import { appendSecondMapColumns, computeHuFeatureRows, computeSecondMapColumns, countHuRowFeatures, joinSecondMapColumns, SECOND_MAP_ROW_FEATURES } from '../../src/model/features/hu-features.js';
import { MODEL_CARD_FILE, MODEL_FORMAT, readModelCard, type ModelCard } from '../../src/model/card/model-card.js';
import { buildLogisticHeadOnnx, writeModelFolder } from '../../src/model/card/model-folder.js';
import { openScorer } from '../../src/infer/scorer.js';
import { applyLogisticHead } from '../../src/train/default-model/logistic.js';

const SIZE = 64;
const WINDOWS = [...(WINDOW_STACKS['bss'] ?? [])];
const ANY = { count: BLEEDSEG_FINE_CHANNELS, index: BLEEDSEG_FINE_CHANNELS - 1 };
const CROP = { marginPx: 4, multiple: 8 };

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
  // symbolic H and W, as train-seg-map.js exports it, so it runs on a crop too
  return relaxSpatialDims(exportLayersModelToOnnx(buildBleedSegFine({ channels: 3, size: SIZE }, createRng(3))));
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

test('computeBloodMaps on a crop: the cropped slices’ own any plane inside the box (flip too), 0 outside', async () => {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const images = discs();
  const engine = await createOnnxEngine(segModel(), { provider: 'cpu', threads: 1 });
  try {
    const box = { x0: 8, y0: 16, w: 40, h: 32 };
    const m = SIZE / BLEEDSEG_FINE_STRIDE;
    for (const flip of [false, true]) {
      const maps = await computeBloodMaps(engine, images, BLEEDSEG_FINE_STRIDE, flip, 2, ANY, box);
      const [rows, cols] = [box.h / 2, box.w / 2];
      const raw = await engine.run(buildContextBatch(images.map((im) => cropImage(im, box)), [0, 1, 2], 0, flip));
      for (let i = 0; i < images.length; i++) {
        const d = maps[i]?.data as Float32Array;
        for (let y = 0; y < m; y++)
          for (let x = 0; x < m; x++) {
            const [yy, xx] = [y - box.y0 / 2, x - box.x0 / 2];
            const inside = yy >= 0 && yy < rows && xx >= 0 && xx < cols;
            const sx = flip ? cols - 1 - xx : xx;
            assert.equal(d[y * m + x], inside ? raw[((i * rows + yy) * cols + sx) * 6 + 5] : 0, `slice ${i} cell ${y},${x} flip ${flip}`);
          }
      }
    }
  } finally {
    await engine.dispose();
  }
});

test('the card refuses a blood-map channel outside its map, and a second map without a first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-bmchan-'));
  try {
    const base = {
      format: MODEL_FORMAT, kind: 'embedding-head', architecture: 'test', inputSize: SIZE, windows: WINDOWS, context: 0, outputs: SUBTYPES,
      trainingData: {}, validation: {}, created: '2026-12-02',
    };
    const write = (trunk: unknown): void => writeFileSync(join(dir, MODEL_CARD_FILE), JSON.stringify({ ...base, trunk }));
    write({ features: 0, huFeatures: true, bloodMap: { file: 'seg.onnx', stride: 2, channel: { count: 6, index: 6 } } });
    assert.throws(() => readModelCard(dir), /trunk\.bloodMap\.channel/);
    write({ features: 0, huFeatures: true, bloodMap: { file: 'seg.onnx', stride: 2, crop: { marginPx: 4, multiple: 3 } } });
    assert.throws(() => readModelCard(dir), /trunk\.bloodMap\.crop/);
    write({ features: 0, huFeatures: true, secondBloodMap: { file: 'seg.onnx', stride: 2, channel: ANY } });
    assert.throws(() => readModelCard(dir), /secondBloodMap needs/);
    write({ features: 0, huFeatures: true, bloodMap: { file: 'blood.onnx', stride: 4 }, secondBloodMap: { file: 'seg.onnx', stride: 2, channel: ANY } });
    assert.deepEqual(readModelCard(dir).trunk?.secondBloodMap, { file: 'seg.onnx', stride: 2, channel: ANY });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('joinSecondMapColumns: all of the first row, then the second row’s 3 slice and 1 series map columns', () => {
  const R = countHuRowFeatures(true);
  const a = Float32Array.from({ length: 2 * R }, (_, i) => i);
  const b = Float32Array.from({ length: 2 * R }, (_, i) => 1000 + i);
  const j = joinSecondMapColumns(a, b, 2);
  assert.equal(SECOND_MAP_ROW_FEATURES, 32);
  assert.deepEqual([...j.subarray(0, R)], [...a.subarray(0, R)]);
  assert.deepEqual([...j.subarray(R, 32)], [1020, 1021, 1022, 1027]);
  assert.deepEqual([...j.subarray(32 + R, 64)], [1000 + R + 20, 1000 + R + 21, 1000 + R + 22, 1000 + R + 27]);
  assert.throws(() => joinSecondMapColumns(a, b.subarray(0, R), 2), /rows of/);
});

test('computeSecondMapColumns = the map columns of a second computeHuFeatureRows pass (no HU pass again)', async () => {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const images = discs();
  const engine = await createOnnxEngine(segModel(), { provider: 'cpu', threads: 1 });
  try {
    const maps = await computeBloodMaps(engine, images, BLEEDSEG_FINE_STRIDE, false, 8, ANY);
    const rows = computeHuFeatureRows(images, WINDOWS, maps);
    const viaJoin = joinSecondMapColumns(rows, rows, 3);
    const direct = appendSecondMapColumns(rows, computeSecondMapColumns(images, WINDOWS, maps), 3);
    assert.deepEqual([...direct], [...viaJoin]);
    assert.ok(direct.some((v, i) => i % 32 >= 28 && v !== 0), 'the map columns carry values');
    assert.throws(() => computeSecondMapColumns(images, WINDOWS, maps.slice(1)), /2 blood maps for 3 slices/);
  } finally {
    await engine.dispose();
  }
});

test('a folder with blood.onnx and the localiser as second map: scorer = head(joined rows), masks from the same file', async () => {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const seg = segModel();
  const blood = exportLayersModelToOnnx(buildBleedSeg({ channels: 3, size: SIZE }, createRng(2)));
  const F = SECOND_MAP_ROW_FEATURES;
  const rng = createRng(5);
  const weights = Float32Array.from({ length: F * 3 * 6 }, () => rng.normal() * 0.1);
  const bias = Float32Array.from({ length: 6 }, () => -1);
  const card: ModelCard = {
    format: MODEL_FORMAT, kind: 'embedding-head', architecture: 'test', inputSize: SIZE, windows: WINDOWS, context: 1, outputs: SUBTYPES,
    trunk: { features: 0, huFeatures: true, bloodMap: { file: 'blood.onnx', stride: BLEEDSEG_STRIDE }, secondBloodMap: { file: 'seg.onnx', stride: BLEEDSEG_FINE_STRIDE, channel: ANY, crop: CROP } },
    localiser: { file: 'seg.onnx', architecture: 'bleedseg-fine', stride: BLEEDSEG_FINE_STRIDE, channels: SUBTYPES },
    trainingData: {}, validation: {}, created: '2026-12-02',
  };
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-bmloc-'));
  try {
    writeModelFolder(dir, card, { 'head.onnx': buildLogisticHeadOnnx(weights, bias, F * 3, 'test'), 'seg.onnx': seg, 'blood.onnx': blood });
    const images = discs();
    const scorer = await openScorer(dir, { threads: 1 });
    const segEngine = await createOnnxEngine(seg, { provider: 'cpu', threads: 1 });
    const bloodEngine = await createOnnxEngine(blood, { provider: 'cpu', threads: 1 });
    try {
      const mapsA = await computeBloodMaps(bloodEngine, images, BLEEDSEG_STRIDE, false);
      // the second map on the box around the series' cavities, outside it 0
      const box = computeSeriesCrop(images, WINDOWS, CROP);
      assert.ok(box && box.w * box.h < SIZE * SIZE, `a crop smaller than the frame: ${JSON.stringify(box)}`);
      const mapsB = await computeBloodMaps(segEngine, images, BLEEDSEG_FINE_STRIDE, false, 8, ANY, box);
      const whole = await computeBloodMaps(segEngine, images, BLEEDSEG_FINE_STRIDE, false, 8, ANY);
      assert.notDeepEqual([...(mapsB[0]?.data ?? [])], [...(whole[0]?.data ?? [])]);
      assert.equal(mapsB[0]?.data[0], 0, 'a corner cell outside the box reads 0');
      const rows = joinSecondMapColumns(computeHuFeatureRows(images, WINDOWS, mapsA), computeHuFeatureRows(images, WINDOWS, mapsB), 3);
      const byHand = applyLogisticHead({ features: F * 3, weights, bias }, stackEmbeddings(rows, 3, F, 1, [0, 1, 2]).data, 3);
      const got = await scorer.scoreSeriesWithMaps(images);
      got.probabilities.forEach((v, i) => assert.ok(Math.abs(v - (byHand[i] as number)) < 1e-5, `value ${i}: ${v} vs ${byHand[i]}`));
      // the maps handed on (the localiser's gate) are the first map's
      assert.deepEqual([...(got.bloodMaps?.[1]?.data ?? [])], [...(mapsA[1]?.data ?? [])]);
      // and the localiser's own any channel, on which predict skips the masks' pass, is the second map
      assert.equal(got.localiserAnyMaps?.length, 3);
      assert.deepEqual([...(got.localiserAnyMaps?.[2]?.data ?? [])], [...(mapsB[2]?.data ?? [])]);
      assert.ok(scorer.localiseSlices, 'the localiser is there');
      const sub = await scorer.localiseSlices(images, [0, 2], { tta: false });
      assert.equal(sub.length, 2);
    } finally {
      await scorer.dispose();
      await segEngine.dispose();
      await bloodEngine.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
