/**
 * ONNX parity for every architecture of the model zoo (H-train's src/model/architectures), built
 * at a small input size with their seeded initial weights (BatchNorm statistics randomised so that
 * the folded inference path is exercised): ONNX Runtime output = tfjs `cpu` output to ≤ 1e-5.
 * InceptionV3 loads its pretrained trunk from the nsfwjs package (offline, ~1 s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/random.js';
import { ARCHITECTURES, buildModel, type ArchitectureName } from '../../../src/model/architectures/index.js';
import { BLEEDSEG_STRIDE, buildBleedSeg } from '../../../src/model/architectures/bleedseg.js';
import { BLEEDSEG_FINE_CHANNELS, BLEEDSEG_FINE_STRIDE, buildBleedSegFine } from '../../../src/model/architectures/bleedseg-fine.js';
import { exportLayersModelToOnnx } from '../../../src/model/onnx/export.js';
import { createOnnxEngine, createTfjsEngine } from '../../../src/model/onnx/runner.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

/** Moving statistics get seeded random values (fresh models have mean 0, variance 1). */
function randomizeBatchNormStats(model: tf.LayersModel, seed: number): void {
  const rng = createRng(seed);
  model.setWeights(
    model.weights.map((w) => {
      const t = w.read();
      if (!/moving_(mean|variance)/.test(w.name)) return t;
      const data = new Float32Array(t.size);
      const variance = /variance/.test(w.name);
      for (let i = 0; i < data.length; i++) data[i] = variance ? 0.5 + rng.next() : (rng.next() - 0.5) * 0.2;
      return tf.tensor(data, t.shape);
    }),
  );
}

const SIZES: Record<ArchitectureName, number> = { ichnet: 64, 'simple-cnn': 64, 'multi-head': 64, resnet18: 64, inceptionv3: 75, 'inceptionv3-frozen': 75 };

for (const name of Object.keys(ARCHITECTURES) as ArchitectureName[]) {
  test(`ONNX parity: ${name}`, async () => {
    const size = SIZES[name];
    const channels = name === 'inceptionv3-frozen' ? 3 : 9; // 9 = bss windows × 3 context slices
    const model = await buildModel(name, { size, channels, seed: 5 });
    randomizeBatchNormStats(model, 6);
    const rng = createRng(7);
    const data = new Float32Array(2 * size * size * channels);
    for (let i = 0; i < data.length; i++) data[i] = rng.next();
    const batch = { dtype: 'float32' as const, data, shape: [2, size, size, channels] as const };
    const expected = await createTfjsEngine(model, tf).run(batch);
    const engine = await createOnnxEngine(exportLayersModelToOnnx(model), { provider: 'cpu', threads: 1 });
    const got = await engine.run(batch);
    await engine.dispose();
    model.dispose();
    assert.equal(got.length, 12);
    let maxErr = 0;
    for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs((got[i] as number) - (expected[i] as number)));
    assert.ok(maxErr <= 1e-5, `${name}: max |onnx - tfjs| = ${maxErr}`);
  });
}

/** A segmenter's ONNX export against tfjs on two random 64² slices: `perSlice` map values each, within 1e-5. */
async function assertSegmenterParity(name: string, model: tf.LayersModel, dataSeed: number, perSlice: (size: number) => number): Promise<void> {
  const size = 64;
  const rng = createRng(dataSeed);
  const data = new Float32Array(2 * size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  const batch = { dtype: 'float32' as const, data, shape: [2, size, size, 3] as const };
  const expected = await createTfjsEngine(model, tf).run(batch);
  const engine = await createOnnxEngine(exportLayersModelToOnnx(model), { provider: 'cpu', threads: 1 });
  const got = await engine.run(batch);
  await engine.dispose();
  model.dispose();
  assert.equal(got.length, 2 * perSlice(size));
  let maxErr = 0;
  for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs((got[i] as number) - (expected[i] as number)));
  assert.ok(maxErr <= 1e-5, `${name}: max |onnx - tfjs| = ${maxErr}`);
}

test('ONNX parity: bleedseg (blood segmenter, map output [n, S/4, S/4, 1])', async () => {
  const model = buildBleedSeg({ channels: 3, size: 64 }, createRng(5));
  randomizeBatchNormStats(model, 6);
  await assertSegmenterParity('bleedseg', model, 7, (size) => (size / BLEEDSEG_STRIDE) ** 2);
});

test('ONNX parity: bleedseg-fine (stride 2, 6 channels; transposed convs and additive skips)', async () => {
  const model = buildBleedSegFine({ channels: 3, size: 64 }, createRng(8));
  randomizeBatchNormStats(model, 9);
  await assertSegmenterParity('bleedseg-fine', model, 10, (size) => (size / BLEEDSEG_FINE_STRIDE) ** 2 * BLEEDSEG_FINE_CHANNELS);
});
