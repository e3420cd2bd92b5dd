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
import { applyStudyHead, disposeStudyHead, fitStudyHead, stackSeries, STUDY_HEAD_DEFAULTS, type WeightedSeries } from '../../../src/train/default-model/study-head.js';

await initBackend('wasm');

const F = 4;
const LENGTHS = [1, 2, 5, 17, 40];

function randomSeries(n: number, rng: ReturnType<typeof createRng>): Float32Array {
  return Float32Array.from({ length: n * F }, (_, j) => rng.normal() * (1 + (j % F)) + (j % F));
}

/** Random weights everywhere (the linear path starts at zero otherwise); `linearKernel` 0 = no linear path. */
function buildRandomNet(seed: number, linearKernel: number): ReturnType<typeof buildStudyConv> {
  const rng = createRng(seed);
  const net = buildStudyConv({ features: F, hidden: [8, 6], kernel: 5, linearKernel }, rng, [-2, -2, -2, -2, -2, -1]);
  setStandardisation(net, [0, 1, 2, 3], [1, 2, 3, 4]);
  if (net.linear) net.linear.setWeights(net.linear.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => rng.normal() * 0.3), w.shape)));
  return net;
}

function predictAlone(model: tf.LayersModel, emb: Float32Array, n: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(emb, [1, n, 1, F])) as tf.Tensor).dataSync() as Float32Array).slice();
}

for (const lk of [0, 7]) test(`stacked series with masked gaps give each series the output it gets alone (linear path ${lk})`, () => {
  const net = buildRandomNet(1, lk);
  const rng = createRng(2);
  const series: WeightedSeries[] = LENGTHS.map((n) => ({ emb: randomSeries(n, rng), labels: new Float32Array(n * 6), n, weight: 1 }));
  const b = stackSeries(series, F, studyConvGap({ features: F, hidden: [8, 6], kernel: 5, linearKernel: lk }));
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

for (const lk of [0, 3]) test(`ONNX export (dynamic slice count) matches tfjs within 1e-4 on series of several lengths (linear path ${lk})`, async () => {
  const net = buildRandomNet(3, lk);
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
  const opts = { ...STUDY_HEAD_DEFAULTS, hidden: [8], kernel: 3, ensemble: 1, steps: 150, seriesPerStep: 8, lr: 0.01, dropout: 0, inputDropout: 0 };
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
  disposeStudyHead(a);
  disposeStudyHead(b);
});

test('a 3-member seed ensemble averages logits and exports to one ONNX graph that matches tfjs', async () => {
  const opts = { ...STUDY_HEAD_DEFAULTS, hidden: [6], kernel: 3, steps: 10, seriesPerStep: 4, ensemble: 3 };
  const train = neighbourDataset(8, 9);
  const head = fitStudyHead(train, F, opts);
  assert.equal(head.members.length, 3);
  const s = train[0];
  assert.ok(s);
  const got = applyStudyHead(head, s.emb, s.n);
  const logits = head.members.map((m) => tf.tidy(() => (m.logits.predict(tf.tensor4d(s.emb, [1, s.n, 1, F])) as tf.Tensor).dataSync() as Float32Array).slice());
  for (let j = 0; j < got.length; j++) {
    const z = logits.reduce((a, l) => a + (l[j] as number), 0) / 3;
    assert.ok(Math.abs((got[j] as number) - 1 / (1 + Math.exp(-z))) < 1e-5, `value ${j}`);
  }
  const engine = await createOnnxEngine(exportLayersModelToOnnx(head.model), { provider: 'cpu' });
  for (const n of LENGTHS) {
    const emb = randomSeries(n, createRng(n));
    const want = applyStudyHead(head, emb, n);
    const onnx = await engine.run({ data: emb, shape: [1, n, 1, F] });
    let worst = 0;
    for (let j = 0; j < n * 6; j++) worst = Math.max(worst, Math.abs((onnx[j] as number) - (want[j] as number)));
    assert.ok(worst < 1e-4, `n=${n}: max |ONNX − tfjs| ${worst}`);
  }
  await engine.dispose();
  disposeStudyHead(head);
});
