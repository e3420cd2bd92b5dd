/**
 * The shared head CV on a tiny constructed dataset: no held-out patient trains its own fold's
 * head, synthetic series are in every training fold, every real slice is predicted once out of
 * fold, the logistic trainer reproduces the default model's own crossValidate exactly, and the
 * study head runs through the same folds with finite metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../src/core/random.js';
import { initBackend } from '../../../src/model/engine/index.js';
import type { EmbeddedSeries } from '../../../src/train/default-model/embed-dataset.js';
import { crossValidate } from '../../../src/train/default-model/cross-validate.js';
import { crossValidateHeads, logisticTrainer, studyTrainer, type HeadTrainer } from '../../../src/train/default-model/head-cv.js';
import { STUDY_HEAD_DEFAULTS, type WeightedSeries } from '../../../src/train/default-model/study-head.js';

await initBackend('wasm');

const F = 3;

/** `patients` series of 6–12 slices, 2 variants; a slice bleeds when its feature 0 > 1 (some patients have none). */
function dataset(patients: number, seed: number, prefix: string): EmbeddedSeries[] {
  const rng = createRng(seed);
  return Array.from({ length: patients }, (_, p) => {
    const n = rng.int(6, 12);
    const shift = p % 3 === 0 ? 1 : -2;
    const base = Float32Array.from({ length: n * F }, (_, j) => rng.normal() + (j % F === 0 ? shift : 0));
    const labels = new Float32Array(n * 6);
    for (let i = 0; i < n; i++) if ((base[i * F] as number) > 1) labels[i * 6 + 5] = labels[i * 6 + 1] = 1;
    const jitter = base.map((v) => v + rng.normal() * 0.05);
    return { group: `${prefix}${p}`, seriesInstanceUid: `${prefix}s${p}`, imageIds: Array.from({ length: n }, (_, i) => `${prefix}${p}_${i}`), labels, variants: [base, jitter] };
  });
}

/** A trainer that records each fold's training rows and predicts 0.5. */
function spyTrainer(seen: WeightedSeries[][]): HeadTrainer {
  return {
    name: 'spy',
    fit(train) {
      seen.push([...train]);
      return { predict: (_emb, n) => new Float32Array(n * 6).fill(0.5), toOnnx: () => new Uint8Array(0), recalibrateAny: () => undefined, dispose: () => undefined };
    },
  };
}

test('folds keep patients apart, give every training fold the synthetic series and predict each real slice once', () => {
  const real = dataset(6, 1, 'P');
  const extra = dataset(4, 2, 'S');
  const seen: WeightedSeries[][] = [];
  const spy = spyTrainer(seen);
  const [cv] = crossValidateHeads(real, extra, 3, [spy], { variants: 2, extraWeight: 0.5 });
  assert.ok(cv);
  assert.equal(seen.length, 3);
  const predicted = new Map<string, number>();
  for (const id of cv.oof.imageIds) predicted.set(id, (predicted.get(id) ?? 0) + 1);
  const all = real.flatMap((s) => s.imageIds);
  assert.equal(predicted.size, all.length);
  assert.ok([...predicted.values()].every((c) => c === 1));
  cv.folds.forEach((f, i) => {
    const train = seen[i] as WeightedSeries[];
    const testIds = new Set(cv.oof.imageIds.slice(cv.folds.slice(0, i).reduce((a, g) => a + g.slices, 0), cv.folds.slice(0, i + 1).reduce((a, g) => a + g.slices, 0)));
    const testSeries = real.filter((s) => s.imageIds.some((id) => testIds.has(id)));
    for (const s of testSeries) for (const v of s.variants) assert.ok(!train.some((t) => t.emb === v), `fold ${f.fold} trains on a held-out patient`);
    for (const s of extra) assert.ok(train.some((t) => t.emb === s.variants[0] && t.weight === 0.5), 'synthetic series in every training fold, weighted');
    assert.equal(train.filter((t) => t.weight === 1).length, (real.length - testSeries.length) * 2, 'both variants of every training patient');
  });
});

test('the logistic trainer reproduces crossValidate; the study head runs on the same folds', () => {
  const real = dataset(6, 3, 'P');
  const extra = dataset(3, 4, 'S');
  const opts = { l2: 1, steps: 60, lr: 0.05 };
  const ref = crossValidate(real, extra, F, 1, 3, { ...opts, variants: 2, extraWeight: 0.5 });
  const study = { ...STUDY_HEAD_DEFAULTS, hidden: [4], kernel: 3, ensemble: 1, steps: 30, seriesPerStep: 4 };
  const [lg, st] = crossValidateHeads(real, extra, 3, [logisticTrainer(F, 1, opts), studyTrainer(F, study)], { variants: 2, extraWeight: 0.5 });
  assert.ok(lg && st);
  assert.deepEqual(lg.oof.imageIds, ref.oof.imageIds);
  for (let j = 0; j < ref.oof.pred.length; j++) assert.ok(Math.abs((lg.oof.pred[j] as number) - (ref.oof.pred[j] as number)) < 1e-6, `oof value ${j}`);
  lg.folds.forEach((f, i) => {
    const r = ref.folds[i];
    assert.ok(r);
    assert.equal(f.slices, r.slices);
    assert.ok(Math.abs(f.weightedLogLoss - r.weightedLogLoss) < 1e-9);
    assert.ok(Math.abs(f.priorWeightedLogLoss - r.priorWeightedLogLoss) < 1e-9);
  });
  assert.deepEqual(st.oof.imageIds, ref.oof.imageIds);
  assert.ok(st.folds.every((f) => Number.isFinite(f.weightedLogLoss) && f.weightedLogLoss > 0));
  assert.ok([...st.oof.pred].every((p) => p > 0 && p < 1));
});

test('grouped series (lesions inserted into real patients) train only the folds that do not hold out their patient', () => {
  const real = dataset(6, 5, 'P');
  // inserted series: the same patients' ids as `group`, their own series and slices
  const inserted = dataset(6, 6, 'Q').map((s, p) => ({ ...s, group: `P${p}` }));
  const seen: WeightedSeries[][] = [];
  const spy = spyTrainer(seen);
  const [plain] = crossValidateHeads(real, [], 3, [spy], { variants: 2, extraWeight: 0.5 });
  const [cv] = crossValidateHeads(real, [], 3, [spy], { variants: 2, extraWeight: 0.5, grouped: { series: inserted, weight: 0.25 } });
  assert.ok(cv && plain);
  assert.equal(seen.length, 6);
  cv.folds.forEach((f, i) => {
    const train = seen[3 + i] as WeightedSeries[];
    const foldGroups = new Set(real.filter((s) => {
      const start = cv.folds.slice(0, i).reduce((a, g) => a + g.slices, 0);
      return cv.oof.imageIds.slice(start, start + f.slices).includes(s.imageIds[0] as string);
    }).map((s) => s.group));
    assert.ok(foldGroups.size > 0);
    for (const s of inserted) {
      const used = train.filter((t) => t.emb === s.variants[0] || t.emb === s.variants[1]);
      if (foldGroups.has(s.group)) assert.equal(used.length, 0, `fold ${f.fold} trains on its own patient ${s.group}'s inserted slices`);
      else assert.ok(used.length === 2 && used.every((t) => t.weight === 0.25), `${s.group}'s inserted series, weighted, in fold ${f.fold}`);
    }
    // the prior is the reference without the inserted rows: it stays what it was
    assert.equal(f.priorWeightedLogLoss, plain.folds[i]?.priorWeightedLogLoss);
  });
  const stray = [{ ...(inserted[0] as EmbeddedSeries), group: 'nobody' }];
  assert.throws(() => crossValidateHeads(real, [], 3, [spy], { variants: 2, extraWeight: 0.5, grouped: { series: stray, weight: 1 } }), /patient nobody/);
});
