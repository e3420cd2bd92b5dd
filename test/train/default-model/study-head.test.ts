/**
 * The study head (study-conv over z): stacked training forward = the model on each series alone;
 * its ONNX export (dynamic slice count) = tfjs within 1e-4 on series of several lengths; it learns
 * a label that depends on neighbouring slices; same seed → same weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/random.js';
import { initBackend } from '../../../src/model/engine/index.js';
import { buildStudyConv, forwardStacked, setStandardisation, studyConvGap } from '../../../src/model/architectures/study-conv.js';
import { exportLayersModelToOnnx } from '../../../src/model/onnx/export.js';
import { createOnnxEngine } from '../../../src/model/onnx/runner.js';
import { rocAuc, column } from '../../../src/model/metrics.js';
import { applyStudyHead, fitStudyHead, stackSeries, STUDY_HEAD_DEFAULTS, type WeightedSeries } from '../../../src/train/default-model/study-head.js';

await initBackend('wasm');

const F = 4;
const LENGTHS = [1, 2, 5, 17, 40];

function randomSeries(n: number, rng: ReturnType<typeof createRng>): Float32Array {
  return Float32Array.from({ length: n * F }, (_, j) => rng.normal() * (1 + (j % F)) + (j % F));
}

function buildRandomNet(seed: number): ReturnType<typeof buildStudyConv> {
  const rng = createRng(seed);
  const net = buildStudyConv({ features: F, hidden: [8, 6], kernel: 5 }, rng, [-2, -2, -2, -2, -2, -1]);
  setStandardisation(net, [0, 1, 2, 3], [1, 2, 3, 4]);
  return net;
}

function predictAlone(model: tf.LayersModel, emb: Float32Array, n: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(emb, [1, n, 1, F])) as tf.Tensor).dataSync() as Float32Array).slice();
}

test('stacked series with masked gaps give each series the output it gets alone', () => {
  const net = buildRandomNet(1);
  const rng = createRng(2);
  const series: WeightedSeries[] = LENGTHS.map((n) => ({ emb: randomSeries(n, rng), labels: new Float32Array(n * 6), n, weight: 1 }));
  const b = stackSeries(series, F, studyConvGap({ features: F, hidden: [8, 6], kernel: 5 }));
  const p = forwardStacked(net, tf.tensor4d(b.x, [1, b.L, 1, F]), b.rowMask);
  const all = p.dataSync();
  series.forEach((s, i) => {
    const alone = predictAlone(net.model, s.emb, s.n);
    const off = b.offsets[i] as number;
    for (let j = 0; j < s.n * 6; j++) assert.ok(Math.abs((all[off * 6 + j] as number) - (alone[j] as number)) < 1e-5, `series ${i} value ${j}`);
  });
  p.dispose();
  net.model.dispose();
});

test('ONNX export (dynamic slice count) matches tfjs within 1e-4 on series of several lengths', async () => {
  const net = buildRandomNet(3);
  const engine = await createOnnxEngine(exportLayersModelToOnnx(net.model), { provider: 'cpu' });
  const rng = createRng(4);
  for (const n of LENGTHS) {
    const emb = randomSeries(n, rng);
    const want = predictAlone(net.model, emb, n);
    const got = await engine.run({ data: emb, shape: [1, n, 1, F] });
    assert.equal(got.length, n * 6);
    let worst = 0;
    for (let j = 0; j < n * 6; j++) worst = Math.max(worst, Math.abs((got[j] as number) - (want[j] as number)));
    assert.ok(worst < 1e-4, `n=${n}: max |ONNX − tfjs| ${worst}`);
  }
  await engine.dispose();
  net.model.dispose();
});

/** Slice i bleeds when feature 0 of slice i−1 is high: only a model that sees z neighbours can tell. */
function neighbourDataset(studies: number, seed: number): WeightedSeries[] {
  const rng = createRng(seed);
  return Array.from({ length: studies }, () => {
    const n = rng.int(8, 20);
    const emb = randomSeries(n, rng);
    const labels = new Float32Array(n * 6);
    for (let i = 1; i < n; i++) {
      const pos = (emb[(i - 1) * F] as number) > 0.8 ? 1 : 0;
      labels[i * 6 + 1] = pos;
      labels[i * 6 + 5] = pos;
    }
    return { emb, labels, n, weight: 1 };
  });
}

test('learns a label carried by the previous slice; same seed gives the same head', () => {
  const opts = { ...STUDY_HEAD_DEFAULTS, hidden: [8], kernel: 3, steps: 150, seriesPerStep: 8, lr: 0.01, dropout: 0, inputDropout: 0 };
  const train = neighbourDataset(40, 5);
  const a = fitStudyHead(train, F, opts);
  const b = fitStudyHead(train, F, opts);
  const held = neighbourDataset(20, 6);
  const pa: number[] = [];
  const ys: number[] = [];
  for (const s of held) {
    const p = applyStudyHead(a, s.emb, s.n);
    const q = applyStudyHead(b, s.emb, s.n);
    assert.deepEqual([...p], [...q], 'same seed → same predictions');
    pa.push(...column(p, 5));
    ys.push(...column(s.labels, 5));
  }
  const auc = rocAuc(pa, ys);
  assert.ok(auc > 0.9, `held-out AUC(any) ${auc}`);
  a.net.model.dispose();
  b.net.model.dispose();
});
