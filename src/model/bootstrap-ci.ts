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
import { KAGGLE_WEIGHTS, SUBTYPES, SUBTYPE_INDEX } from '../core/subtypes.js';
import { binaryLogLoss, column, type NumArray } from './metrics.js';

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

/**
 * Cluster-bootstrap intervals of weighted log loss, AUC(any) and study AUC(any) for n × 6
 * predictions and targets (SUBTYPES order). Clusters are numbered in sorted key order, so the same
 * rows in another order and the same seed give the same intervals; study AUC only when the
 * clusters are studies.
 */
export function bootstrapIntervals(pred: NumArray, target: NumArray, clusters: BootstrapClusters, o: BootstrapOptions): BootstrapIntervals {
  const n = pred.length / K;
  if (!Number.isInteger(n) || target.length !== pred.length || n === 0) throw ichError('ICH_E_USAGE', `bootstrap: ${pred.length} predictions for ${target.length} targets`);
  if (clusters.keys.length !== n) throw ichError('ICH_E_USAGE', `bootstrap: ${clusters.keys.length} cluster keys for ${n} slices`);
  if (!Number.isInteger(o.resamples) || o.resamples < 1) throw ichError('ICH_E_USAGE', `bootstrap resamples must be a positive integer, got ${o.resamples}`);
  const level = o.level ?? 0.95;
  const sortedKeys = [...new Set(clusters.keys)].sort();
  const numberOf = new Map(sortedKeys.map((k, j) => [k, j]));
  const units = sortedKeys.length;
  const unitIndex = Int32Array.from(clusters.keys, (k) => numberOf.get(k) as number);
  const wsum = KAGGLE_WEIGHTS.reduce((a, b) => a + b, 0);
  const rowLoss = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let l = 0;
    for (let k = 0; k < K; k++) l += (KAGGLE_WEIGHTS[k] as number) * binaryLogLoss(pred[i * K + k] as number, target[i * K + k] as number);
    rowLoss[i] = l / wsum;
  }
  const anyP = column(pred, SUBTYPE_INDEX.any);
  const anyY = column(target, SUBTYPE_INDEX.any);
  const order = sortByScore(anyP);
  // study scores and labels (max over the study's slices) in the units' numbering
  let study: { scores: Float64Array; labels: Float64Array } | undefined;
  if (clusters.unit === 'study') {
    study = { scores: new Float64Array(units).fill(-Infinity), labels: new Float64Array(units) };
    for (let i = 0; i < n; i++) {
      const u = unitIndex[i] as number;
      study.scores[u] = Math.max(study.scores[u] as number, anyP[i] as number);
      study.labels[u] = Math.max(study.labels[u] as number, anyY[i] as number);
    }
  }
  const studyOrder = study ? sortByScore(study.scores) : undefined;

  const rng = createRng(o.seed);
  const count = new Float64Array(units);
  const rowWeight = new Float64Array(n);
  const wll: number[] = [];
  const auc: number[] = [];
  const sAuc: number[] = [];
  for (let b = 0; b < o.resamples; b++) {
    count.fill(0);
    for (let u = 0; u < units; u++) {
      const pick = rng.int(0, units - 1);
      count[pick] = (count[pick] as number) + 1;
    }
    let lossSum = 0;
    let wTotal = 0;
    for (let i = 0; i < n; i++) {
      const w = count[unitIndex[i] as number] as number;
      rowWeight[i] = w;
      lossSum += w * (rowLoss[i] as number);
      wTotal += w;
    }
    wll.push(lossSum / wTotal);
    auc.push(weightedRocAuc(anyP, anyY, rowWeight, order));
    if (study && studyOrder) sAuc.push(weightedRocAuc(study.scores, study.labels, count, studyOrder));
  }
  const undef = (v: number[]): number => v.filter((x) => !Number.isFinite(x)).length;
  return {
    unit: clusters.unit,
    units,
    resamples: o.resamples,
    seed: o.seed,
    level,
    weightedLogLoss: intervalOf(wll, level) as Interval,
    aucAny: intervalOf(auc, level),
    studyAucAny: study ? intervalOf(sAuc, level) : null,
    undefinedResamples: { aucAny: undef(auc), studyAucAny: study ? undef(sAuc) : 0 },
  };
}
