/**
 * The derived-trunk path of `embedding-head` models: nsfwjs' InceptionV3 is turned into an ONNX
 * trunk in the user's cache at first use (here a temporary ICHSCAN_CACHE, 75 px input), reused after
 * that, and a model folder that names it (`trunk.derive`) scores through it: the scorer's output is
 * the head applied by hand to the trunk's 2048 pooled features.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../src/core/random.js';
import { SUBTYPES } from '../../src/core/subtypes.js';
import type { Image } from '../../src/core/tensor.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { createOnnxEngine } from '../../src/model/onnx/runner.js';
import { derivedTrunkPath, ensureDerivedTrunk, trunkFeatureCount } from '../../src/model/onnx/derive-trunk.js';
import { MODEL_FORMAT, type ModelCard } from '../../src/model/card/model-card.js';
import { buildLogisticHeadOnnx, writeModelFolder } from '../../src/model/card/model-folder.js';
import { openScorer } from '../../src/infer/scorer.js';
import { buildContextBatch } from '../../src/model/features/slice-context.js';
import { applyLogisticHead } from '../../src/train/default-model/logistic.js';

const cache = mkdtempSync(join(tmpdir(), 'ichscan-trunk-cache-'));
const saved = process.env['ICHSCAN_CACHE'];
process.env['ICHSCAN_CACHE'] = cache;
after(() => {
  if (saved === undefined) delete process.env['ICHSCAN_CACHE'];
  else process.env['ICHSCAN_CACHE'] = saved;
  rmSync(cache, { recursive: true, force: true });
});

test('derive the InceptionV3 trunk once into the cache, then reuse it; a model folder scores through it', async () => {
  const size = 75;
  const status: string[] = [];
  const file = await ensureDerivedTrunk('nsfwjs-inceptionv3-gap', size, 3, (l) => status.push(l));
  assert.equal(file, derivedTrunkPath('nsfwjs-inceptionv3-gap', size, 3));
  assert.ok(file.startsWith(cache));
  assert.equal(status.length, 1);
  assert.ok(statSync(file).size > 20e6, 'an InceptionV3 trunk in float32 weighs tens of MB');
  const mtime = statSync(file).mtimeMs;
  assert.equal(await ensureDerivedTrunk('nsfwjs-inceptionv3-gap', size, 3, (l) => status.push(l)), file);
  assert.equal(status.length, 1, 'second call builds nothing');
  assert.equal(statSync(file).mtimeMs, mtime);

  const F = trunkFeatureCount('nsfwjs-inceptionv3-gap');
  const rng = createRng(4);
  const weights = Float32Array.from({ length: F * 6 }, () => rng.normal() * 0.02);
  const bias = Float32Array.from({ length: 6 }, () => -1);
  const card: ModelCard = {
    format: MODEL_FORMAT, kind: 'embedding-head', architecture: 'test', inputSize: size, windows: [...(WINDOW_STACKS['bss'] ?? [])], context: 0, outputs: SUBTYPES,
    trunk: { derive: 'nsfwjs-inceptionv3-gap', features: F }, trainingData: {}, validation: {}, created: '2026-11-26',
  };
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-derived-model-'));
  try {
    writeModelFolder(dir, card, { 'head.onnx': buildLogisticHeadOnnx(weights, bias, F, 'test') });
    const images: Image<'uint8'>[] = [0, 1].map((k) => ({ dtype: 'uint8', data: Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * (7 + k)) % 256), shape: [size, size, 3] }));
    const scorer = await openScorer(dir, { threads: 1 });
    const got = await scorer.scoreSeries(images);
    await scorer.dispose();
    const trunk = await createOnnxEngine(file, { provider: 'cpu', threads: 1 });
    const emb = await trunk.run(buildContextBatch(images, [0, 1], 0, false));
    await trunk.dispose();
    assert.equal(emb.length, 2 * F);
    const byHand = applyLogisticHead({ features: F, weights, bias }, emb, 2);
    got.forEach((v, i) => assert.ok(Math.abs(v - (byHand[i] as number)) < 1e-5, `${i}: ${v} vs ${byHand[i]}`));
    assert.notDeepEqual([...got.slice(0, 6)], [...got.slice(6)], 'different slices, different scores');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
