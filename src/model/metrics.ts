/**
 * Evaluation metrics on plain arrays (no tfjs): the RSNA 2019 Kaggle weighted log loss, per-class
 * log loss, ROC-AUC with sklearn's tie handling, ROC curve points, calibration bins, sensitivity /
 * specificity at a threshold, the Youden threshold and study-level AUC.
 *
 * Layout: predictions and targets for n images are row-major n×6 Float32Array/Float64Array in
 * SUBTYPES order (epidural … any), index = i * 6 + k. Targets are 0/1.
 */
import { KAGGLE_EPS, KAGGLE_WEIGHTS, SUBTYPES } from '../core/subtypes.js';
import { ichError } from '../core/errors.js';

/** Any numeric array the metrics read. */
export type NumArray = Float32Array | Float64Array | Uint8Array | readonly number[];

const K = SUBTYPES.length;

function checkMatrix(pred: NumArray, target: NumArray): number {
  if (pred.length !== target.length || pred.length % K !== 0) {
    throw ichError('ICH_E_USAGE', `metrics need n×${K} arrays of equal length, got ${pred.length} and ${target.length}`);
  }
  return pred.length / K;
}

/** Binary cross-entropy of one probability p (clipped to [eps, 1-eps]) against a 0/1 target y, nats. */
export function binaryLogLoss(p: number, y: number, eps = KAGGLE_EPS): number {
  const q = Math.min(Math.max(p, eps), 1 - eps);
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
}

/**
 * The RSNA 2019 competition metric: weighted multi-label log loss.
 * Per image i: L_i = Σ_k w_k·ll_ik / Σ_k w_k with w = 2 for `any` and 1 for the five subtypes
 * (Σw = 7) and ll_ik the binary log loss of the clipped prediction (clip 1e-15); the score is the
 * mean of L_i over images. Because every image carries all six labels with the same weights, this
 * equals Kaggle's row-weighted mean over the submission's n·6 rows (Σ w·ll / Σ w), which is how the
 * competition's evaluation page defines it, and the capstone's "averaged per image with the weights
 * normalised, then over images". (Some public kernels divide by 6 instead of 7; that is not the
 * competition metric.) Returns NaN for n = 0.
 */
export function weightedLogLoss(pred: NumArray, target: NumArray): number {
  const n = checkMatrix(pred, target);
  let total = 0;
  for (let i = 0; i < n; i++) total += imageWeightedLogLoss(pred, target, i);
  return total / n;
}

const KAGGLE_WEIGHT_SUM = KAGGLE_WEIGHTS.reduce((a, b) => a + b, 0);

/** L_i of image (row) i of n × 6 matrices: Σ_k w_k·ll_ik / Σ_k w_k, as weightedLogLoss averages it. */
export function imageWeightedLogLoss(pred: NumArray, target: NumArray, i: number): number {
  let li = 0;
  for (let k = 0; k < K; k++) li += (KAGGLE_WEIGHTS[k] as number) * binaryLogLoss(pred[i * K + k] as number, target[i * K + k] as number);
  return li / KAGGLE_WEIGHT_SUM;
}

/** Mean binary log loss per label (SUBTYPES order), clipped like the competition metric. */
export function logLossPerClass(pred: NumArray, target: NumArray): Float64Array {
  const n = checkMatrix(pred, target);
  const out = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) out[k] = (out[k] as number) + binaryLogLoss(pred[i * K + k] as number, target[i * K + k] as number);
  }
  for (let k = 0; k < K; k++) out[k] = (out[k] as number) / n;
  return out;
}

/** Column k of an n×6 matrix as Float64Array. */
export function column(m: NumArray, k: number, width = K): Float64Array {
  const n = Math.floor(m.length / width);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = m[i * width + k] as number;
  return out;
}

/**
 * Area under the ROC curve of scores against 0/1 labels, with tied scores given their average
 * rank (Mann–Whitney U), which equals sklearn's `roc_auc_score` (trapezoids through tied blocks).
 * Returns NaN when labels hold only one class (sklearn raises there).
 */
export function rocAuc(scores: NumArray, labels: NumArray): number {
  const n = scores.length;
  if (labels.length !== n) throw ichError('ICH_E_USAGE', `rocAuc: ${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let nPos = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const avgRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let t = i; t <= j; t++) {
      if ((labels[order[t] as number] as number) > 0.5) {
        nPos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface RocCurve {
  /** False positive rate at each threshold, ascending, starting at 0. */
  fpr: Float64Array;
  /** True positive rate at each threshold. */
  tpr: Float64Array;
  /** Score thresholds (predict positive when score ≥ threshold); the first is +Infinity. */
  thresholds: Float64Array;
}

/**
 * ROC curve points at every distinct score (like sklearn's `roc_curve(drop_intermediate=False)`),
 * preceded by the (0, 0) point at threshold +Infinity.
 */
export function rocCurve(scores: NumArray, labels: NumArray): RocCurve {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let nPos = 0;
  for (let i = 0; i < n; i++) if ((labels[i] as number) > 0.5) nPos++;
  const nNeg = n - nPos;
  const fpr = [0];
  const tpr = [0];
  const thr = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; i++) {
    const idx = order[i] as number;
    if ((labels[idx] as number) > 0.5) tp++;
    else fp++;
    const next = order[i + 1];
    if (next === undefined || scores[next] !== scores[idx]) {
      fpr.push(nNeg > 0 ? fp / nNeg : NaN);
      tpr.push(nPos > 0 ? tp / nPos : NaN);
      thr.push(scores[idx] as number);
    }
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: Float64Array.from(thr) };
}

export interface ConfusionAtThreshold {
  threshold: number;
  /** TP / (TP + FN); NaN without positives. */
  sensitivity: number;
  /** TN / (TN + FP); NaN without negatives. */
  specificity: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Sensitivity and specificity when scores ≥ threshold are called positive. */
export function sensitivitySpecificity(scores: NumArray, labels: NumArray, threshold: number): ConfusionAtThreshold {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const pos = (labels[i] as number) > 0.5;
    const call = (scores[i] as number) >= threshold;
    if (pos && call) tp++;
    else if (pos) fn++;
    else if (call) fp++;
    else tn++;
  }
  return { threshold, sensitivity: tp + fn > 0 ? tp / (tp + fn) : NaN, specificity: tn + fp > 0 ? tn / (tn + fp) : NaN, tp, fp, tn, fn };
}

/**
 * The threshold maximising Youden's J = sensitivity + specificity − 1 over the ROC points (ties:
 * the highest threshold, i.e. the first met walking down the scores). NaN when one class is absent.
 */
export function youdenThreshold(scores: NumArray, labels: NumArray): ConfusionAtThreshold {
  const roc = rocCurve(scores, labels);
  let best = -Infinity;
  let bestThr = NaN;
  for (let i = 1; i < roc.thresholds.length; i++) {
    const j = (roc.tpr[i] as number) - (roc.fpr[i] as number);
    if (j > best) {
      best = j;
      bestThr = roc.thresholds[i] as number;
    }
  }
  return sensitivitySpecificity(scores, labels, bestThr);
}

export interface CalibrationBin {
  /** Bin bounds [lo, hi) on the predicted probability (the last bin includes 1). */
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted probability in the bin (NaN when empty). */
  meanPredicted: number;
  /** Fraction of positives in the bin (NaN when empty). */
  fractionPositive: number;
}

/** Reliability diagram data: `bins` equal-width probability bins (sklearn's calibration_curve 'uniform'; empty bins kept). */
export function calibrationBins(scores: NumArray, labels: NumArray, bins = 10): CalibrationBin[] {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const step = 1 / bins;
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(Math.max(scores[i] as number, 0), 1);
    // Bin = number of interior edges strictly below p (numpy searchsorted 'left' on linspace edges,
    // as sklearn's calibration_curve does): a probability exactly on an edge falls in the lower bin.
    let b = 0;
    while (b < bins - 1 && (b + 1) * step < p) b++;
    count[b] = (count[b] as number) + 1;
    sumP[b] = (sumP[b] as number) + p;
    sumY[b] = (sumY[b] as number) + ((labels[i] as number) > 0.5 ? 1 : 0);
  }
  return Array.from({ length: bins }, (_, b) => {
    const c = count[b] as number;
    return { lo: b / bins, hi: (b + 1) / bins, count: c, meanPredicted: c ? (sumP[b] as number) / c : NaN, fractionPositive: c ? (sumY[b] as number) / c : NaN };
  });
}

/**
 * Study-level scores and labels: for each study, the maximum slice score and the maximum slice
 * label (a study is positive when any of its slices is). `studyOf[i]` names slice i's study.
 */
export function aggregateByStudy(scores: NumArray, labels: NumArray, studyOf: readonly string[]): { studies: string[]; scores: Float64Array; labels: Float64Array } {
  const idx = new Map<string, number>();
  const s: number[] = [];
  const l: number[] = [];
  for (let i = 0; i < studyOf.length; i++) {
    const key = studyOf[i] as string;
    let j = idx.get(key);
    if (j === undefined) {
      j = s.length;
      idx.set(key, j);
      s.push(-Infinity);
      l.push(0);
    }
    s[j] = Math.max(s[j] as number, scores[i] as number);
    l[j] = Math.max(l[j] as number, labels[i] as number);
  }
  return { studies: [...idx.keys()], scores: Float64Array.from(s), labels: Float64Array.from(l) };
}

/** ROC-AUC at study level (max over slices per study, for scores and labels alike). */
export function studyAuc(scores: NumArray, labels: NumArray, studyOf: readonly string[]): number {
  const agg = aggregateByStudy(scores, labels, studyOf);
  return rocAuc(agg.scores, agg.labels);
}
