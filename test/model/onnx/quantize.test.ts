/**
 * quantizeConvGraph: a seeded bleedseg-fine (BatchNorm statistics randomised, so the fold matters)
 * becomes a QDQ graph with no BatchNormalization left (the fold alone exact), whose output stays within 0.05 of the float
 * model's on slices it was not calibrated on, at the export size and at another multiple of 8.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { createRng } from '../../../src/core/random.js';
import { buildBleedSegFine } from '../../../src/model/architectures/bleedseg-fine.js';
import { exportLayersModelToOnnx } from '../../../src/model/onnx/export.js';
import { relaxSpatialDims } from '../../../src/model/onnx/relax-dims.js';
import { foldBatchNorms, quantizeConvGraph } from '../../../src/model/onnx/quantize.js';
import { createOnnxEngine } from '../../../src/model/onnx/runner.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

/** Smooth random "slices" in [0, 1]: blobs, so activations look like images', not noise's. */
function batch(n: number, h: number, w: number, seed: number): { data: Float32Array; shape: number[] } {
  const rng = createRng(seed);
  const data = new Float32Array(n * h * w * 3);
  for (let b = 0; b < n; b++) {
    const cy = rng.next() * h;
    const cx = rng.next() * w;
    const r = 4 + rng.next() * h * 0.4;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 3; c++) data[((b * h + y) * w + x) * 3 + c] = Math.hypot(y - cy, x - cx) < r ? 0.5 + 0.1 * c + 0.05 * rng.next() : 0.05 * rng.next();
  }
  return { data, shape: [n, h, w, 3] };
}

test('a quantized bleedseg-fine: QDQ, BatchNorm folded, within 0.05 of the float model, any multiple of 8', async () => {
  const model = buildBleedSegFine({ channels: 3, size: 32 }, createRng(5));
  const rng = createRng(6);
  model.setWeights(model.weights.map((v) => {
    const t = v.read();
    if (!/moving_(mean|variance)/.test(v.name)) return t;
    return tf.tensor(Float32Array.from({ length: t.size }, () => (/variance/.test(v.name) ? 0.5 + rng.next() : (rng.next() - 0.5) * 0.2)), t.shape);
  }));
  const float = relaxSpatialDims(exportLayersModelToOnnx(model));
  model.dispose();
  await assert.rejects(quantizeConvGraph(float, []), /calibration/);
  const q = await quantizeConvGraph(float, [batch(8, 32, 32, 1), batch(8, 32, 32, 2)]);
  const ops = (onnxProto.onnx.ModelProto.decode(q).graph?.node ?? []).map((n) => n.opType);
  assert.ok(ops.includes('QuantizeLinear') && ops.includes('DequantizeLinear'));
  assert.equal(ops.filter((o) => o === 'BatchNormalization').length, 0);
  assert.ok(q.length < float.length / 2, `${q.length} bytes vs ${float.length}`);
  const a = await createOnnxEngine(float, { provider: 'cpu', threads: 1 });
  const b = await createOnnxEngine(q, { provider: 'cpu', threads: 1 });
  const m = onnxProto.onnx.ModelProto.decode(float);
  foldBatchNorms(m.graph as onnxProto.onnx.IGraphProto);
  const folded = await createOnnxEngine(onnxProto.onnx.ModelProto.encode(m).finish(), { provider: 'cpu', threads: 1 });
  try {
    // the fold alone is exact (to float rounding)
    const x0 = batch(2, 32, 32, 3);
    const [p0, p1] = [await a.run(x0), await folded.run(x0)];
    p0.forEach((v, i) => assert.ok(Math.abs(v - (p1[i] as number)) < 1e-5, `fold ${i}`));
    assert.deepEqual(b.inputShape, ['N', 'H', 'W', 3]);
    for (const [h, w, seed] of [[32, 32, 9], [24, 40, 10]] as const) {
      const x = batch(4, h, w, seed);
      const fa = await a.run(x);
      const fb = await b.run(x);
      assert.equal(fb.length, fa.length);
      let max = 0;
      for (let i = 0; i < fa.length; i++) max = Math.max(max, Math.abs((fa[i] as number) - (fb[i] as number)));
      assert.ok(max < 0.05, `${h}×${w}: max |float − int8| = ${max}`);
      assert.ok(max > 0, 'the int8 graph is not the float one');
    }
  } finally {
    await a.dispose();
    await b.dispose();
    await folded.dispose();
  }
});
