/**
 * A model folder with a localiser (`localiser`: bleedseg-fine, used for the masks only): the card
 * is read and checked (channels in SUBTYPES order, a stride dividing the size, a bloodMap beside
 * it), the scorer's localiseSlices equals the localiser run by hand (with flip TTA) — on the box
 * around the cavities when the model takes any size, on the whole frame when it does not — and
 * labelRegions takes a region's subtype from the map's channels when given one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/random.js';
import { SUBTYPES } from '../../../src/core/subtypes.js';
import type { Image } from '../../../src/core/tensor.js';
import { WINDOW_STACKS, type WindowPreset } from '../../../src/core/windows.js';
import { BLEEDSEG_STRIDE, buildBleedSeg } from '../../../src/model/architectures/bleedseg.js';
import { buildBleedSegFine } from '../../../src/model/architectures/bleedseg-fine.js';
import { exportLayersModelToOnnx } from '../../../src/model/onnx/export.js';
import { createOnnxEngine } from '../../../src/model/onnx/runner.js';
import { MODEL_FORMAT, readModelCard, type ModelCard } from '../../../src/model/card/model-card.js';
import { buildLogisticHeadOnnx, writeModelFolder } from '../../../src/model/card/model-folder.js';
import { openScorer } from '../../../src/infer/scorer.js';
import { computeSubtypeMaps } from '../../../src/infer/localise/subtype-map.js';
import { labelRegions } from '../../../src/infer/localise/regions.js';
import { countHuRowFeatures } from '../../../src/model/features/hu-features.js';
import { computeSliceCavity } from '../../../src/model/features/cavity.js';
import { relaxSpatialDims } from '../../../src/model/onnx/relax-dims.js';
import { computeLocaliserCrop } from '../../../src/model/features/localiser-crop.js';
import { drawSkullSlice } from '../../helpers/skull-slice.js';

/** A bss model folder's card and files at `size`: zero logistic head, seeded blood.onnx and seg.onnx (bleedseg-fine, fixed size). */
function localiserFolder(size: number): { card: ModelCard; files: Record<string, Uint8Array>; windows: WindowPreset[] } {
  tf.env().set('PROD', true);
  const windows = [...(WINDOW_STACKS['bss'] ?? [])];
  const F = countHuRowFeatures(true);
  const card: ModelCard = {
    format: MODEL_FORMAT, kind: 'embedding-head', architecture: 'test', inputSize: size, windows, context: 0, outputs: SUBTYPES,
    trunk: { features: 0, huFeatures: true, bloodMap: { file: 'blood.onnx', stride: BLEEDSEG_STRIDE } },
    localiser: { file: 'seg.onnx', architecture: 'bleedseg-fine', stride: 2, channels: SUBTYPES },
    trainingData: {}, validation: {}, created: '2026-12-01',
  };
  const files = {
    'head.onnx': buildLogisticHeadOnnx(new Float32Array(F * 6), new Float32Array(6), F, 'test'),
    'blood.onnx': exportLayersModelToOnnx(buildBleedSeg({ channels: 3, size }, createRng(2))),
    'seg.onnx': exportLayersModelToOnnx(buildBleedSegFine({ channels: 3, size }, createRng(3))),
  };
  return { card, files, windows };
}

test('a model folder with a localiser: card checks, localiseSlices = the localiser by hand (TTA)', async () => {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const size = 32;
  const { card, files } = localiserFolder(size);
  const fineOnnx = files['seg.onnx'] as Uint8Array;
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-localiser-'));
  const bad = mkdtempSync(join(tmpdir(), 'ichscan-localiser-bad-'));
  try {
    writeModelFolder(dir, card, files);
    assert.equal(readModelCard(dir).localiser?.stride, 2);
    writeModelFolder(bad, { ...card, localiser: { ...card.localiser, channels: ['any'] } as ModelCard['localiser'] }, files);
    assert.throws(() => readModelCard(bad), /localiser needs/);
    const rng = createRng(5);
    const images: Image<'uint8'>[] = [0, 1, 2].map(() => ({ dtype: 'uint8', data: Uint8Array.from({ length: size * size * 3 }, () => rng.int(0, 255)), shape: [size, size, 3] }));
    const scorer = await openScorer(dir, { threads: 1 });
    const engine = await createOnnxEngine(fineOnnx, { provider: 'cpu', threads: 1 });
    try {
      assert.ok(scorer.localiseSlices);
      const got = await scorer.localiseSlices(images, [2, 0], { tta: true });
      const byHand = await computeSubtypeMaps(engine, images, [2, 0], 2, { tta: true });
      assert.equal(got.length, 2);
      got.forEach((g, j) => {
        assert.equal(g.m, 16);
        const h = byHand[j]?.data as Float32Array;
        g.data.forEach((v, k) => assert.ok(Math.abs(v - (h[k] as number)) < 1e-6));
      });
      // without a second blood map the verdict never ran the localiser: no own pass to skip on
      assert.equal((await scorer.scoreSeriesWithMaps(images)).localiserAnyMaps, undefined);
    } finally {
      await scorer.dispose();
      await engine.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(bad, { recursive: true, force: true });
  }
});

test('a size-free localiser runs on the box around the cavities; a fixed-size one on the whole frame', async () => {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const size = 64;
  const { card, files, windows } = localiserFolder(size);
  const fine = files['seg.onnx'] as Uint8Array;
  const images = [drawSkullSlice(size), drawSkullSlice(size, 0, 60)];
  // the drawn cavity: radius < 17 px around (32, 32) → rows/columns 16–48 → grown by 4 on 8s: 8–56
  const box = computeLocaliserCrop(images.map((im) => computeSliceCavity(im, windows)), size, 4, 8);
  assert.deepEqual(box, { y0: 8, x0: 8, h: 48, w: 48 });
  const engine = await createOnnxEngine(relaxSpatialDims(fine), { provider: 'cpu', threads: 1 });
  const dirs: string[] = [];
  try {
    for (const [name, seg] of [['free', relaxSpatialDims(fine)], ['fixed', fine]] as const) {
      const dir = mkdtempSync(join(tmpdir(), `ichscan-localiser-${name}-`));
      dirs.push(dir);
      writeModelFolder(dir, card, { ...files, 'seg.onnx': seg });
      const scorer = await openScorer(dir, { threads: 1 });
      try {
        const got = await (scorer.localiseSlices as NonNullable<typeof scorer.localiseSlices>)(images, [0, 1], { tta: true, cropMarginPx: 4 });
        const want = await computeSubtypeMaps(engine, images, [0, 1], 2, { tta: true, crop: name === 'free' ? box : null });
        got.forEach((g, j) => g.data.forEach((v, k) => assert.ok(Math.abs(v - ((want[j] as { data: Float32Array }).data[k] as number)) < 1e-6, `${name} slice ${j} value ${k}`)));
      } finally {
        await scorer.dispose();
      }
    }
  } finally {
    await engine.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('labelRegions: with a subtype map a deep region takes the channel argmax, not the rule; hybrid takes only the axis from it', () => {
  // 32 × 32 source pixels, a 6 × 6 region in the middle of a cavity that covers the whole slice
  const n = 32;
  const mask = new Uint8Array(n * n);
  for (let y = 13; y < 19; y++) for (let x = 13; x < 19; x++) mask[y * n + x] = 1;
  const edge = new Uint16Array(16 * 16).fill(8);
  const base = { mask, rows: n, columns: n, edgeDistance: edge, cavityW: 16, cavityH: 16, mmPerCavityPx: 1, pixelAreaMm2: 0.25, minAreaMm2: 0, hu: new Float32Array(n * n).fill(30) };
  const rule = labelRegions(base);
  assert.equal(rule[16 * n + 16], 2); // deep, no CSF around: intraparenchymal by the rule
  const m = 16;
  const data = new Float32Array(m * m * 6);
  for (let i = 0; i < m * m; i++) {
    data[i * 6 + 3] = 0.7; // subarachnoid everywhere
    data[i * 6 + 1] = 0.2;
    data[i * 6 + 5] = 0.9;
  }
  const chan = labelRegions({ ...base, subtypeMap: { data, m } });
  assert.equal(chan[16 * n + 16], 4);
  assert.equal(chan[0], 0);
  // hybrid: the channels only say intra- vs extra-axial (here intra: 0.9 vs 0), the rule the rest
  assert.equal(labelRegions({ ...base, subtypeMap: { data, m }, subtypeMode: 'hybrid' })[16 * n + 16], 2);
  // epidural + subdural outweighing the intra-axial channels make the deep region extra-axial; its
  // shape (6 × 6, compact: area / πr² < 4) makes it epidural
  const extra = data.slice();
  for (let i = 0; i < m * m; i++) {
    extra[i * 6 + 4] = 0.8;
    extra[i * 6 + 3] = 0.1;
    extra[i * 6 + 1] = 0.1;
  }
  assert.equal(labelRegions({ ...base, subtypeMap: { data: extra, m }, subtypeMode: 'hybrid' })[16 * n + 16], 1);
});
