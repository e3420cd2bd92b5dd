/**
 * Blood-map slice features (src/model/features/blood-map.ts) on hand-made maps and cavities, and a model
 * folder with a blood segmenter (`trunk.bloodMap`) scored end to end: the scorer's output equals the
 * head applied by hand to HU + blood-map features, with and without flip TTA.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random.js';
import { SUBTYPES } from '../../src/core/subtypes.js';
import type { Image } from '../../src/core/tensor.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { BLEEDSEG_STRIDE, buildBleedSeg } from '../../src/model/architectures/bleedseg.js';
import { exportLayersModelToOnnx } from '../../src/model/onnx/export.js';
import { createOnnxEngine } from '../../src/model/onnx/runner.js';
import { computeBloodMapFeatures, computeCavityCells } from '../../src/model/features/blood-map.js';
import { computeHuFeatureRows, countHuRowFeatures } from '../../src/model/features/hu-features.js';
import type { SliceCavity } from '../../src/model/features/cavity.js';
import { MODEL_FORMAT, readModelCard, type ModelCard } from '../../src/model/card/model-card.js';
import { buildLogisticHeadOnnx, writeModelFolder } from '../../src/model/card/model-folder.js';
import { openScorer } from '../../src/infer/scorer.js';
import { computeBloodMaps, stackEmbeddings } from '../../src/model/features/slice-context.js';
import { applyLogisticHead } from '../../src/train/default-model/logistic.js';

/** An 8×8 slice whose cavity (and features' mask) is the left half (x < 4). */
function halfCavity(): SliceCavity {
  const cavityMask = new Uint8Array(64);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 4; x++) cavityMask[y * 8 + x] = 1;
  return { w: 8, h: 8, hu: new Float32Array(64), bone: new Uint8Array(64), boneCount: 0, cavityMask, featureMask: cavityMask };
}

test('cavity cells: a cell counts when any pixel of its block is in the cavity', () => {
  // 4×4 map over 8×8 pixels: cells of columns 0–1 (pixels 0–3) are inside
  assert.deepEqual([...computeCavityCells(halfCavity(), 4, 4)], [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
});

test('blood-map features: area, smoothed max and mass inside the cavity only', () => {
  const p = new Float32Array(16);
  p[0] = 0.9; // inside
  p[1] = 0.6; // inside
  p[4] = 0.2; // inside
  p[3] = 1; // outside the cavity: ignored
  p[7] = 1; // outside
  const f = computeBloodMapFeatures(halfCavity(), { data: p, shape: [4, 4] });
  assert.ok(Math.abs((f[0] as number) - Math.log1p(2)) < 1e-6, `cells ${f[0]}`); // 0.9 and 0.6 > 0.5
  // best 3×3 mean: centred on cell 0, 1 or 4/5 → (0.9 + 0.6 + 0.2) / 9 (outside cells count 0)
  assert.ok(Math.abs((f[1] as number) - 1.7 / 9) < 1e-6, `max smooth ${f[1]}`);
  assert.ok(Math.abs((f[2] as number) - Math.log1p(1.7)) < 1e-6, `mass ${f[2]}`);
});

test('a model folder with a blood segmenter: scorer = head(HU + blood-map features) by hand, TTA included', async () => {
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const size = 64;
  const windows = [...(WINDOW_STACKS['bss'] ?? [])];
  const seg = buildBleedSeg({ channels: 3, size }, createRng(2));
  const segOnnx = exportLayersModelToOnnx(seg);
  const F = countHuRowFeatures(true);
  assert.equal(F, 28);
  const rng = createRng(8);
  const weights = Float32Array.from({ length: F * 3 * 6 }, () => rng.normal() * 0.1);
  const bias = Float32Array.from({ length: 6 }, () => -2);
  const card: ModelCard = {
    format: MODEL_FORMAT, kind: 'embedding-head', architecture: 'test', inputSize: size, windows, context: 1, outputs: SUBTYPES,
    trunk: { features: 0, huFeatures: true, bloodMap: { file: 'blood.onnx', stride: BLEEDSEG_STRIDE } },
    trainingData: {}, validation: {}, created: '2026-11-26',
  };
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-bloodmap-'));
  try {
    writeModelFolder(dir, card, { 'head.onnx': buildLogisticHeadOnnx(weights, bias, F * 3, 'test'), 'blood.onnx': segOnnx });
    assert.deepEqual(readModelCard(dir).trunk?.bloodMap, { file: 'blood.onnx', stride: 4 });
    // 4 slices: a bright disc (a "head") of varying radius on air
    const images: Image<'uint8'>[] = [10, 14, 18, 22].map((r) => {
      const data = new Uint8Array(size * size * 3);
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const d = Math.hypot(y - 32, x - 30);
          const v = d < r ? 150 : d < r + 3 ? 255 : 0;
          data.set([v, v, v], (y * size + x) * 3);
        }
      return { dtype: 'uint8', data, shape: [size, size, 3] };
    });
    const scorer = await openScorer(dir, { threads: 1 });
    const segEngine = await createOnnxEngine(segOnnx, { provider: 'cpu', threads: 1 });
    try {
      const expect = async (flip: boolean): Promise<Float32Array> => {
        const maps = await computeBloodMaps(segEngine, images, BLEEDSEG_STRIDE, flip);
        assert.deepEqual(maps[0]?.shape, [16, 16]);
        const rows = computeHuFeatureRows(images, windows, maps);
        const x = stackEmbeddings(rows, 4, F, 1, [0, 1, 2, 3]);
        return applyLogisticHead({ features: F * 3, weights, bias }, x.data, 4);
      };
      const plain = await scorer.scoreSeries(images);
      const byHand = await expect(false);
      plain.forEach((v, i) => assert.ok(Math.abs(v - (byHand[i] as number)) < 1e-5, `slice value ${i}: ${v} vs ${byHand[i]}`));
      const tta = await scorer.scoreSeries(images, { tta: true });
      const flipped = await expect(true);
      tta.forEach((v, i) => assert.ok(Math.abs(v - ((byHand[i] as number) + (flipped[i] as number)) / 2) < 1e-5, `TTA value ${i}`));
      // the flipped map, mirrored back, is the map of the mirrored slice: not the unflipped map itself
      const m0 = (await computeBloodMaps(segEngine, images, BLEEDSEG_STRIDE, false))[0]?.data as Float32Array;
      const m1 = (await computeBloodMaps(segEngine, images, BLEEDSEG_STRIDE, true))[0]?.data as Float32Array;
      assert.notDeepEqual([...m0], [...m1]);
    } finally {
      await scorer.dispose();
      await segEngine.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
