/**
 * Cluster-bootstrap intervals (src/model/bootstrap-ci.ts): the weighted AUC equals rocAuc on rows
 * repeated by their weights (ties included); intervals are seeded, contain the point estimate on a
 * realistic set, do not depend on the rows' order, collapse to the point when there is one study,
 * and resample studies, not slices (a set whose two studies differ gets a wide interval that
 * slice resampling would not give); the paired difference of two sets is 0 against itself and
 * clearly positive for a model against noise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.js';
import { bootstrapDifference, bootstrapIntervals, sortByScore, weightedRocAuc } from '../../src/model/bootstrap-ci.js';
import { rocAuc, studyAuc, weightedLogLoss } from '../../src/model/metrics.js';

test('weighted AUC = rocAuc on the rows repeated by their weights, with ties', () => {
  const rng = createRng(11);
  for (let trial = 0; trial < 20; trial++) {
    const n = 30;
    // scores on a coarse grid so that ties occur
    const scores = Array.from({ length: n }, () => Math.round(rng.next() * 8) / 8);
    const labels = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
    const weights = Array.from({ length: n }, () => rng.int(0, 3));
    const rs: number[] = [];
    const rl: number[] = [];
    scores.forEach((s, i) => {
      for (let k = 0; k < (weights[i] as number); k++) {
        rs.push(s);
        rl.push(labels[i] as number);
      }
    });
    const want = rocAuc(rs, rl);
    const got = weightedRocAuc(scores, labels, weights, sortByScore(scores));
    if (Number.isNaN(want)) assert.ok(Number.isNaN(got));
    else assert.ok(Math.abs(got - want) < 1e-12, `trial ${trial}: ${got} vs ${want}`);
  }
});

/** n × 6 predictions: `studies` studies of `per` slices, any-positive slices scoring higher on average. */
function makeSet(studies: number, per: number, seed: number): { pred: Float32Array; target: Float32Array; studyOf: string[] } {
  const rng = createRng(seed);
  const n = studies * per;
  const pred = new Float32Array(n * 6);
  const target = new Float32Array(n * 6);
  const studyOf: string[] = [];
  for (let s = 0; s < studies; s++)
    for (let j = 0; j < per; j++) {
      const i = s * per + j;
      const y = s % 3 === 0 && j >= per / 2 ? 1 : 0;
      for (let k = 0; k < 6; k++) {
        target[i * 6 + k] = k === 5 || k === 1 ? y : 0;
        pred[i * 6 + k] = Math.min(0.99, Math.max(0.01, 0.2 + 0.25 * y + 0.6 * (rng.next() - 0.5)));
      }
      studyOf.push(`study-${s}`);
    }
  return { pred, target, studyOf };
}

test('intervals: seeded, around the point estimates, every field present', () => {
  const { pred, target, studyOf } = makeSet(15, 30, 3);
  const a = bootstrapIntervals(pred, target, { unit: 'study', keys: studyOf }, { resamples: 300, seed: 7 });
  const b = bootstrapIntervals(pred, target, { unit: 'study', keys: studyOf }, { resamples: 300, seed: 7 });
  const c = bootstrapIntervals(pred, target, { unit: 'study', keys: studyOf }, { resamples: 300, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.aucAny, c.aucAny);
  assert.equal(a.unit, 'study');
  assert.equal(a.units, 15);
  const anyP = Array.from({ length: pred.length / 6 }, (_, i) => pred[i * 6 + 5] as number);
  const anyY = Array.from({ length: pred.length / 6 }, (_, i) => target[i * 6 + 5] as number);
  const point = { wll: weightedLogLoss(pred, target), auc: rocAuc(anyP, anyY), sAuc: studyAuc(anyP, anyY, studyOf) };
  assert.ok(a.weightedLogLoss.low < point.wll && point.wll < a.weightedLogLoss.high, `wLL ${point.wll} in ${JSON.stringify(a.weightedLogLoss)}`);
  assert.ok(a.aucAny && a.aucAny.low < point.auc && point.auc <= a.aucAny.high, `AUC ${point.auc} in ${JSON.stringify(a.aucAny)}`);
  assert.ok(a.studyAucAny && a.studyAucAny.low <= point.sAuc && point.sAuc <= a.studyAucAny.high, `study AUC ${point.sAuc} in ${JSON.stringify(a.studyAucAny)}`);
  // without studies: slices are resampled and there is no study interval
  const s = bootstrapIntervals(pred, target, { unit: 'slice', keys: Array.from({ length: 450 }, (_, i) => `img-${i}`) }, { resamples: 100, seed: 7 });
  assert.equal(s.unit, 'slice');
  assert.equal(s.units, 450);
  assert.equal(s.studyAucAny, null);
});

test('the same rows in another order give the same intervals', () => {
  const { pred, target, studyOf } = makeSet(12, 10, 4);
  const n = studyOf.length;
  const perm = Array.from({ length: n }, (_, i) => (i * 37) % n);
  const p2 = new Float32Array(pred.length);
  const t2 = new Float32Array(target.length);
  perm.forEach((src, dst) => {
    p2.set(pred.subarray(src * 6, src * 6 + 6), dst * 6);
    t2.set(target.subarray(src * 6, src * 6 + 6), dst * 6);
  });
  const a = bootstrapIntervals(pred, target, { unit: 'study', keys: studyOf }, { resamples: 200, seed: 9 });
  const b = bootstrapIntervals(p2, t2, { unit: 'study', keys: perm.map((src) => studyOf[src] as string) }, { resamples: 200, seed: 9 });
  assert.ok(Math.abs(a.weightedLogLoss.low - b.weightedLogLoss.low) < 1e-9 && Math.abs(a.weightedLogLoss.high - b.weightedLogLoss.high) < 1e-9);
  assert.deepEqual(a.aucAny, b.aucAny);
  assert.deepEqual(a.studyAucAny, b.studyAucAny);
});

test('one study: every resample is the data itself, so the interval is the point', () => {
  const { pred, target } = makeSet(1, 40, 5);
  const one = Array.from({ length: 40 }, () => 'only');
  const r = bootstrapIntervals(pred, target, { unit: 'study', keys: one }, { resamples: 50, seed: 1 });
  const wll = weightedLogLoss(pred, target);
  assert.ok(Math.abs(r.weightedLogLoss.low - wll) < 1e-9 && Math.abs(r.weightedLogLoss.high - wll) < 1e-9);
  // one study is never both positive and negative: its study AUC is undefined on every resample
  assert.equal(r.studyAucAny, null);
  assert.equal(r.undefinedResamples.studyAucAny, 50);
});

test('studies, not slices, are resampled: two unlike studies give a wide loss interval', () => {
  // study A: 100 confident correct slices; study B: 100 confidently wrong ones
  const n = 200;
  const pred = new Float32Array(n * 6).fill(0.02);
  const target = new Float32Array(n * 6);
  const studyOf: string[] = [];
  for (let i = 0; i < n; i++) {
    const inB = i >= 100;
    target[i * 6 + 5] = inB ? 1 : 0;
    pred[i * 6 + 5] = 0.02;
    studyOf.push(inB ? 'B' : 'A');
  }
  const byStudy = bootstrapIntervals(pred, target, { unit: 'study', keys: studyOf }, { resamples: 400, seed: 2 });
  const bySlice = bootstrapIntervals(pred, target, { unit: 'slice', keys: Array.from({ length: n }, (_, i) => `img-${i}`) }, { resamples: 400, seed: 2 });
  const width = (i: { low: number; high: number }): number => i.high - i.low;
  // drawing A twice or B twice moves the loss from ~0.02 to ~1.1; slice draws barely move it
  assert.ok(width(byStudy.weightedLogLoss) > 0.8, `study width ${width(byStudy.weightedLogLoss)}`);
  assert.ok(width(bySlice.weightedLogLoss) < 0.3, `slice width ${width(bySlice.weightedLogLoss)}`);
});

test('bad arguments are ICH_E_USAGE', () => {
  const { pred, target, studyOf } = makeSet(3, 4, 1);
  assert.throws(() => bootstrapIntervals(pred, target, { unit: 'study', keys: studyOf }, { resamples: 0, seed: 1 }), { code: 'ICH_E_USAGE' });
  assert.throws(() => bootstrapIntervals(pred, target.subarray(6), { unit: 'study', keys: studyOf }, { resamples: 5, seed: 1 }), { code: 'ICH_E_USAGE' });
  assert.throws(() => bootstrapIntervals(pred, target, { unit: 'study', keys: studyOf.slice(1) }, { resamples: 5, seed: 1 }), { code: 'ICH_E_USAGE' });
});

test('paired difference: a model against itself is exactly 0; a good one against noise is better on nearly every resample', () => {
  const { pred, target, studyOf } = makeSet(15, 30, 6);
  const clusters = { unit: 'study' as const, keys: studyOf };
  const self = bootstrapDifference(pred, pred, target, clusters, { resamples: 200, seed: 1 });
  assert.deepEqual(self.weightedLogLoss, { observed: 0, interval: { low: 0, high: 0 }, shareABetter: 0 });
  assert.deepEqual(self.aucAny?.interval, { low: 0, high: 0 });
  // B: the same slices with P(any) replaced by noise
  const rng = createRng(2);
  const noise = Float32Array.from(pred);
  for (let i = 0; i < noise.length / 6; i++) noise[i * 6 + 5] = 0.05 + 0.5 * rng.next();
  const d = bootstrapDifference(pred, noise, target, clusters, { resamples: 300, seed: 1 });
  const anyP = (p: Float32Array): number[] => Array.from({ length: p.length / 6 }, (_, i) => p[i * 6 + 5] as number);
  const anyY = anyP(target);
  assert.ok(Math.abs((d.aucAny?.observed as number) - (rocAuc(anyP(pred), anyY) - rocAuc(anyP(noise), anyY))) < 1e-12);
  assert.ok(d.aucAny && d.aucAny.interval && d.aucAny.interval.low > 0, `ΔAUC ${JSON.stringify(d.aucAny)}`);
  assert.ok((d.aucAny?.shareABetter as number) > 0.95);
  assert.ok(Math.abs(d.weightedLogLoss.observed - (weightedLogLoss(pred, target) - weightedLogLoss(noise, target))) < 1e-12);
  assert.ok(d.studyAucAny !== null);
});
