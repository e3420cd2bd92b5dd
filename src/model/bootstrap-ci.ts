/**
 * Confidence intervals by the cluster bootstrap: resample whole studies (the unit that is drawn
 * from the population — slices of one study are not independent), recompute the metric on each
 * resample, and report the 2.5th and 97.5th percentiles. With 15 patients a slice AUC of 0.85 can
 * mean anything from ~0.75 to ~0.93; the interval says so where a bare number does not.
 *
 * A resample is a multiplicity per study (how often it was drawn), so no arrays are copied: the
 * weighted log loss is a weighted mean of per-slice losses, and the AUC is computed by one pass
 * over the rows in a score order sorted once (weightedRocAuc, equal to rocAuc on the rows
 * repeated by their weights; tested). Cost per resample O(slices + studies).
 */
import { ichError } from '../core/errors.js';
import { createRng } from '../core/random.js';
import { SUBTYPES, SUBTYPE_INDEX } from '../core/subtypes.js';
import { column, imageWeightedLogLoss, rocAuc, studyAuc, weightedLogLoss, type NumArray } from './metrics.js';

const K = SUBTYPES.length;

/** Row indices sorted by score, ascending (ties in any order: weightedRocAuc groups them). */
export function sortByScore(scores: NumArray): Int32Array {
  return Int32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
}

/**
 * ROC-AUC with non-negative row weights (the Mann–Whitney statistic with ties counted half),
 * given `order` = sortByScore(scores). NaN when either class has zero total weight.
 */
export function weightedRocAuc(scores: NumArray, labels: NumArray, weights: NumArray, order: Int32Array): number {
  let negBelow = 0;
  let pos = 0;
  let num = 0;
  let i = 0;
  const n = order.length;
  while (i < n) {
    const s = scores[order[i] as number] as number;
    let gPos = 0;
    let gNeg = 0;
    let j = i;
    for (; j < n && scores[order[j] as number] === s; j++) {
      const r = order[j] as number;
      const w = weights[r] as number;
      if ((labels[r] as number) > 0.5) gPos += w;
      else gNeg += w;
    }
    num += gPos * (negBelow + gNeg / 2);
    negBelow += gNeg;
    pos += gPos;
    i = j;
  }
  return pos > 0 && negBelow > 0 ? num / (pos * negBelow) : NaN;
}

export interface Interval {
  low: number;
  high: number;
}

export interface BootstrapOptions {
  /** Number of resamples (≥ 1). */
  resamples: number;
  seed: number;
  /** Central coverage of the interval (default 0.95). */
  level?: number;
  /** Called after each resample (progress: on the whole stage_2_train set a resample takes ~30 ms). */
  onResample?: () => void;
}

/** Percentile intervals of the three headline numbers; null where a metric is undefined on too many resamples. */
export interface BootstrapIntervals {
  /** What is resampled: studies when every slice's study is known, else single slices. */
  unit: 'study' | 'slice';
  /** Number of units (studies or slices) drawn from. */
  units: number;
  resamples: number;
  seed: number;
  level: number;
  weightedLogLoss: Interval;
  /** Slice-level AUC(any). */
  aucAny: Interval | null;
  /** Study-level AUC(any) (max over slices); null without studies. */
  studyAucAny: Interval | null;
  /** Resamples on which an AUC was undefined (one class only), left out of its interval. */
  undefinedResamples: { aucAny: number; studyAucAny: number };
}

/** The q-quantile of sorted values by linear interpolation between order statistics (numpy's default). */
function quantileSorted(v: Float64Array, q: number): number {
  const h = (v.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(v.length - 1, lo + 1);
  return (v[lo] as number) + (h - lo) * ((v[hi] as number) - (v[lo] as number));
}

function intervalOf(values: number[], level: number): Interval | null {
  const ok = Float64Array.from(values.filter((x) => Number.isFinite(x))).sort();
  // an interval from under half the resamples would describe another population
  if (ok.length === 0 || ok.length < values.length / 2) return null;
  return { low: quantileSorted(ok, (1 - level) / 2), high: quantileSorted(ok, 1 - (1 - level) / 2) };
}

/** What the bootstrap draws: each row's cluster key (its study, or its own image id) and what the keys are. */
export interface BootstrapClusters {
  unit: 'study' | 'slice';
  /** One key per row; rows sharing a key are drawn together. */
  keys: readonly string[];
}

/** One prediction set's fixed parts: per-row Kaggle loss, P(any) and its order, study scores and theirs. */
interface PreparedSet {
  rowLoss: Float64Array;
  anyP: Float64Array;
  order: Int32Array;
  study?: { scores: Float64Array; order: Int32Array };
}

/** The three metrics on every resample, per prediction set: [set][resample]. */
interface ResampledMetrics {
  unit: BootstrapClusters['unit'];
  units: number;
  level: number;
  wll: number[][];
  auc: number[][];
  /** Empty arrays when the clusters are not studies. */
  studyAuc: number[][];
}

/**
 * Draws `o.resamples` cluster resamples (the same draws for every set in `preds`, so sets compared
 * are compared on the same studies) and computes weighted log loss, AUC(any) and study AUC(any) on
 * each. Clusters are numbered in sorted key order, so the rows' order does not change the draws.
 */
function resampleMetrics(preds: readonly NumArray[], target: NumArray, clusters: BootstrapClusters, o: BootstrapOptions): ResampledMetrics {
  const n = target.length / K;
  if (!Number.isInteger(n) || n === 0 || preds.some((p) => p.length !== target.length)) throw ichError('ICH_E_USAGE', `bootstrap: predictions of ${preds.map((p) => p.length).join(', ')} values for ${target.length} targets`);
  if (clusters.keys.length !== n) throw ichError('ICH_E_USAGE', `bootstrap: ${clusters.keys.length} cluster keys for ${n} slices`);
  if (!Number.isInteger(o.resamples) || o.resamples < 1) throw ichError('ICH_E_USAGE', `bootstrap resamples must be a positive integer, got ${o.resamples}`);
  const sortedKeys = [...new Set(clusters.keys)].sort();
  const numberOf = new Map(sortedKeys.map((k, j) => [k, j]));
  const units = sortedKeys.length;
  const unitIndex = Int32Array.from(clusters.keys, (k) => numberOf.get(k) as number);
  const anyY = column(target, SUBTYPE_INDEX.any);
  // a study is positive when any of its slices is
  const studyLabels = new Float64Array(units);
  for (let i = 0; i < n; i++) studyLabels[unitIndex[i] as number] = Math.max(studyLabels[unitIndex[i] as number] as number, anyY[i] as number);
  const sets: PreparedSet[] = preds.map((pred) => {
    const rowLoss = Float64Array.from({ length: n }, (_, i) => imageWeightedLogLoss(pred, target, i));
    const anyP = column(pred, SUBTYPE_INDEX.any);
    if (clusters.unit !== 'study') return { rowLoss, anyP, order: sortByScore(anyP) };
    // a study's score: the max over its slices
    const scores = new Float64Array(units).fill(-Infinity);
    for (let i = 0; i < n; i++) scores[unitIndex[i] as number] = Math.max(scores[unitIndex[i] as number] as number, anyP[i] as number);
    return { rowLoss, anyP, order: sortByScore(anyP), study: { scores, order: sortByScore(scores) } };
  });

  const rng = createRng(o.seed);
  const count = new Float64Array(units);
  const rowWeight = new Float64Array(n);
  const out: ResampledMetrics = { unit: clusters.unit, units, level: o.level ?? 0.95, wll: sets.map(() => []), auc: sets.map(() => []), studyAuc: sets.map(() => []) };
  for (let b = 0; b < o.resamples; b++) {
    count.fill(0);
    for (let u = 0; u < units; u++) {
      const pick = rng.int(0, units - 1);
      count[pick] = (count[pick] as number) + 1;
    }
    let wTotal = 0;
    for (let i = 0; i < n; i++) {
      rowWeight[i] = count[unitIndex[i] as number] as number;
      wTotal += rowWeight[i] as number;
    }
    sets.forEach((s, j) => {
      let lossSum = 0;
      for (let i = 0; i < n; i++) lossSum += (rowWeight[i] as number) * (s.rowLoss[i] as number);
      out.wll[j]?.push(lossSum / wTotal);
      out.auc[j]?.push(weightedRocAuc(s.anyP, anyY, rowWeight, s.order));
      if (s.study) out.studyAuc[j]?.push(weightedRocAuc(s.study.scores, studyLabels, count, s.study.order));
    });
    o.onResample?.();
  }
  return out;
}

const countUndefined = (v: readonly number[]): number => v.filter((x) => !Number.isFinite(x)).length;

/**
 * Cluster-bootstrap intervals of weighted log loss, AUC(any) and study AUC(any) for n × 6
 * predictions and targets (SUBTYPES order); study AUC only when the clusters are studies. The same
 * rows in any order and the same seed give the same intervals.
 */
export function bootstrapIntervals(pred: NumArray, target: NumArray, clusters: BootstrapClusters, o: BootstrapOptions): BootstrapIntervals {
  const m = resampleMetrics([pred], target, clusters, o);
  const [wll, auc, sAuc] = [m.wll[0] ?? [], m.auc[0] ?? [], m.studyAuc[0] ?? []];
  const isStudy = clusters.unit === 'study';
  return {
    unit: clusters.unit,
    units: m.units,
    resamples: o.resamples,
    seed: o.seed,
    level: m.level,
    weightedLogLoss: intervalOf(wll, m.level) as Interval,
    aucAny: intervalOf(auc, m.level),
    studyAucAny: isStudy ? intervalOf(sAuc, m.level) : null,
    undefinedResamples: { aucAny: countUndefined(auc), studyAucAny: isStudy ? countUndefined(sAuc) : 0 },
  };
}

/** A paired difference A − B over the resamples: its interval and how often A was the better one. */
export interface PairedDifference {
  /** A − B on the data as they are. */
  observed: number;
  interval: Interval | null;
  /** Share of the (defined) resamples on which A beat B (lower loss, higher AUC). */
  shareABetter: number;
}

export interface PairedIntervals {
  unit: BootstrapClusters['unit'];
  units: number;
  resamples: number;
  seed: number;
  level: number;
  weightedLogLoss: PairedDifference;
  aucAny: PairedDifference | null;
  studyAucAny: PairedDifference | null;
}

/**
 * Two prediction sets for the same rows compared on the same resamples (a paired bootstrap): the
 * interval of A − B for each metric. An interval that excludes 0 says the difference outlives the
 * choice of studies; one that spans it says these data cannot tell A from B.
 */
export function bootstrapDifference(a: NumArray, b: NumArray, target: NumArray, clusters: BootstrapClusters, o: BootstrapOptions): PairedIntervals {
  const m = resampleMetrics([a, b], target, clusters, o);
  const anyY = column(target, SUBTYPE_INDEX.any);
  const studyOf = clusters.unit === 'study' ? clusters.keys : undefined;
  const on = (p: NumArray): { wll: number; auc: number; sAuc: number | null } => ({
    wll: weightedLogLoss(p, target),
    auc: rocAuc(column(p, SUBTYPE_INDEX.any), anyY),
    sAuc: studyOf ? studyAuc(column(p, SUBTYPE_INDEX.any), anyY, studyOf) : null,
  });
  const [oa, ob] = [on(a), on(b)];
  const observed = { weightedLogLoss: oa.wll - ob.wll, aucAny: oa.auc - ob.auc, studyAucAny: oa.sAuc !== null && ob.sAuc !== null ? oa.sAuc - ob.sAuc : null };
  const diff = (va: readonly number[] | undefined, vb: readonly number[] | undefined, obs: number | null, lowerIsBetter: boolean): PairedDifference | null => {
    if (!va || !vb || obs === null || !Number.isFinite(obs)) return null;
    const d = va.map((x, i) => x - (vb[i] as number));
    const ok = d.filter((x) => Number.isFinite(x));
    const interval = intervalOf(d, m.level);
    if (!interval) return null;
    return { observed: obs, interval, shareABetter: ok.filter((x) => (lowerIsBetter ? x < 0 : x > 0)).length / ok.length };
  };
  return {
    unit: m.unit,
    units: m.units,
    resamples: o.resamples,
    seed: o.seed,
    level: m.level,
    weightedLogLoss: diff(m.wll[0], m.wll[1], observed.weightedLogLoss, true) as PairedDifference,
    aucAny: diff(m.auc[0], m.auc[1], observed.aucAny, false),
    studyAucAny: clusters.unit === 'study' ? diff(m.studyAuc[0], m.studyAuc[1], observed.studyAucAny, false) : null,
  };
}
