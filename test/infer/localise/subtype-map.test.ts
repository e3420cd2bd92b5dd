/**
 * The localiser's maps: flip TTA is symmetric (a mirrored slice gives exactly the mirrored map),
 * flipping a map twice is the identity, the `any` channel plane, and a region's subtype is the
 * channel with the highest mean probability over its pixels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/random.js';
import type { Image } from '../../../src/core/tensor.js';
import { initBackend } from '../../../src/model/engine/index.js';
import { buildBleedSegFine } from '../../../src/model/architectures/bleedseg-fine.js';
import { createTfjsEngine } from '../../../src/model/onnx/runner.js';
import { anyChannelOf, assignRegionSubtypes, computeSubtypeMaps, flipMapColumns, type SubtypeMap } from '../../../src/infer/localise/subtype-map.js';

function randomImage(s: number, seed: number): Image<'uint8'> {
  const rng = createRng(seed);
  return { dtype: 'uint8', data: Uint8Array.from({ length: s * s * 3 }, () => rng.int(0, 255)), shape: [s, s, 3] };
}

function mirrorImage(im: Image<'uint8'>): Image<'uint8'> {
  const [h, w, c] = im.shape;
  const out = new Uint8Array(im.data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = im.data[(y * w + (w - 1 - x)) * c + k] as number;
  return { dtype: 'uint8', data: out, shape: [h, w, c] };
}

test('flipMapColumns twice is the identity; it mirrors columns, keeping channels', () => {
  const m = 3;
  const d = Float32Array.from({ length: m * m * 2 }, (_, i) => i);
  const f = flipMapColumns(d.slice(), m, 2);
  assert.deepEqual(Array.from(f.subarray(0, 6)), [4, 5, 2, 3, 0, 1]);
  assert.deepEqual(Array.from(flipMapColumns(f, m, 2)), Array.from(d));
});

test('flip TTA is symmetric: the mirrored slice gives the mirrored map', async () => {
  await initBackend('wasm');
  const s = 32;
  const engine = createTfjsEngine(buildBleedSegFine({ channels: 3, size: s }, createRng(2)), tf);
  const im = randomImage(s, 7);
  const [a, b] = await computeSubtypeMaps(engine, [im, mirrorImage(im)], [0, 1], 2, { tta: true });
  assert.ok(a && b);
  const mb = flipMapColumns(b.data.slice(), b.m, 6);
  let maxDiff = 0;
  for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a.data[i] as number) - (mb[i] as number)));
  assert.ok(maxDiff < 1e-6, `max |map(x) − flip(map(flip x))| = ${maxDiff}`);
  // without TTA the model itself is not symmetric (random weights), so TTA is doing the work
  const [c, d] = await computeSubtypeMaps(engine, [im, mirrorImage(im)], [0, 1], 2, { tta: false });
  assert.ok(c && d);
  const md = flipMapColumns(d.data.slice(), d.m, 6);
  assert.ok(c.data.some((v, i) => Math.abs(v - (md[i] as number)) > 1e-4));
  await engine.dispose();
});

test('anyChannelOf takes channel 5; assignRegionSubtypes: argmax of the mean subtype probability per region', () => {
  const m = 2;
  // cells: (0,0) epidural-ish, (0,1) subdural-ish, (1,0)/(1,1) intraparenchymal strong / weak subdural
  const cell = (p: number[]): number[] => p;
  const map: SubtypeMap = {
    m,
    data: Float32Array.from([
      ...cell([0.9, 0.1, 0, 0, 0.3, 0.95]),
      ...cell([0.2, 0, 0, 0, 0.7, 0.9]),
      ...cell([0, 0.8, 0.1, 0, 0.1, 0.85]),
      ...cell([0, 0.2, 0, 0, 0.5, 0.6]),
    ]),
  };
  assert.deepEqual(Array.from(anyChannelOf(map).data).map((v) => Math.round(v * 100)), [95, 90, 85, 60]);
  // 4 × 4 source pixels: region 1 = top row of cells, region 2 = bottom row
  const labels = Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  const code = assignRegionSubtypes(labels, 4, 4, 3, map);
  // region 1: means epidural 0.55, subdural 0.5 → epidural (1); region 2: IPH 0.5, SDH 0.3 → intraparenchymal (2)
  assert.deepEqual(Array.from(code), [0, 1, 2]);
});

test('flipAbove: slices whose first pass stays under 2t − 1 skip the flipped pass, and their TTA map never reached t', async () => {
  await initBackend('wasm');
  const s = 32;
  const inner = createTfjsEngine(buildBleedSegFine({ channels: 3, size: s }, createRng(4)), tf);
  let slicesRun = 0;
  const engine = { ...inner, run: (b: { data: Float32Array; shape: readonly number[] }) => ((slicesRun += b.shape[0] as number), inner.run(b)) };
  const images = [0, 1, 2, 3, 4, 5].map((k) => randomImage(s, 20 + k));
  const idx = images.map((_, i) => i);
  const full = await computeSubtypeMaps(engine, images, idx, 2, { tta: true });
  const firstMax = (await computeSubtypeMaps(engine, images, idx, 2, { tta: false })).map((m) => Math.max(...anyChannelOf(m).data));
  // a threshold t whose 2t − 1 falls between the slices' first-pass maxima: some skip, some do not
  const sorted = [...firstMax].sort((a, b) => a - b);
  const cut = ((sorted[2] as number) + (sorted[3] as number)) / 2;
  const t = (cut + 1) / 2;
  slicesRun = 0;
  const fast = await computeSubtypeMaps(engine, images, idx, 2, { tta: true, flipAbove: 2 * t - 1 });
  assert.equal(slicesRun, 6 + 3, 'six first passes, three flipped');
  fast.forEach((f, i) => {
    const skipped = (firstMax[i] as number) < cut;
    if (skipped) {
      assert.ok(f.data.every((v) => v === 0));
      assert.ok(anyChannelOf(full[i] as SubtypeMap).data.every((v) => v < t), `slice ${i}: the full TTA map stays under t`);
    } else assert.deepEqual(f.data, (full[i] as SubtypeMap).data);
  });
  await inner.dispose();
});
