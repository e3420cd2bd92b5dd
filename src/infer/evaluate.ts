/**
 * Evaluation of image-level predictions against Kaggle labels: the competition's weighted log
 * loss, per-label log loss, ROC-AUC, study-level AUC (max over a study's slices), and
 * sensitivity/specificity at a chosen threshold and at the Youden threshold. Images are matched by
 * id; predictions without labels and labels without predictions are counted, not guessed.
 */
import { ichError } from '../core/errors.js';
import { SUBTYPES, type Subtype } from '../core/subtypes.js';
import type { ImageId } from '../core/ids.js';
import { labelBitsToVector, type LabelBits } from '../data/labels.js';
import {
  calibrationBins,
  column,
  logLossPerClass,
  rocAuc,
  rocCurve,
  sensitivitySpecificity,
  studyAuc,
  weightedLogLoss,
  youdenThreshold,
  type CalibrationBin,
  type ConfusionAtThreshold,
} from '../model/metrics.js';
import type { ImagePredictions } from '../data/submission.js';
import { bootstrapIntervals, type BootstrapIntervals, type BootstrapOptions } from '../model/bootstrap-ci.js';

const K = SUBTYPES.length;

export type PerLabel<T> = Record<Subtype, T>;

/** The `--json` output of `ichscan evaluate` (the first six keys are the documented contract). */
export interface EvaluationReport {
  weightedLogLoss: number;
  logLoss: PerLabel<number>;
  auc: PerLabel<number | null>;
  /** null per label when studies are unknown or a label has one class only at study level. */
  studyAuc: PerLabel<number | null>;
  n: number;
  positives: PerLabel<number>;
  studies: number | null;
  threshold: number;
  atThreshold: PerLabel<ConfusionAtThreshold>;
  atYouden: PerLabel<ConfusionAtThreshold | null>;
  /** Labelled images without a prediction, predictions without a label. */
  missingPredictions: number;
  unlabelledPredictions: number;
  /** Cluster-bootstrap 95 % intervals of the headline numbers (absent with `--bootstrap 0`). */
  ci95?: BootstrapIntervals;
}

/** Matched arrays of predictions and labels (same row order), with each row's study. */
export interface MatchedSet {
  imageIds: string[];
  pred: Float32Array;
  target: Float32Array;
  /** Study key per row, or undefined when unknown. */
  studyOf: string[] | undefined;
  missingPredictions: number;
  unlabelledPredictions: number;
}

/** Joins predictions and labels on image id. Throws ICH_E_EMPTY_DATASET when nothing matches. */
export function matchPredictions(preds: ImagePredictions, labels: ReadonlyMap<ImageId, LabelBits>, studyOfImage?: ReadonlyMap<string, string>): MatchedSet {
  const ids: string[] = [];
  const rows: number[] = [];
  preds.imageIds.forEach((id, i) => {
    if (labels.has(id as ImageId)) {
      ids.push(id);
      rows.push(i);
    }
  });
  if (ids.length === 0) throw ichError('ICH_E_EMPTY_DATASET', 'no predicted image has a label (check that the image ids match)');
  const pred = new Float32Array(ids.length * K);
  const target = new Float32Array(ids.length * K);
  ids.forEach((id, j) => {
    pred.set(preds.probabilities.subarray((rows[j] as number) * K, ((rows[j] as number) + 1) * K), j * K);
    target.set(labelBitsToVector(labels.get(id as ImageId) as LabelBits), j * K);
  });
  const studyOf = studyOfImage && ids.every((id) => studyOfImage.has(id)) ? ids.map((id) => studyOfImage.get(id) as string) : undefined;
  const predicted = new Set(preds.imageIds);
  let missing = 0;
  for (const id of labels.keys()) if (!predicted.has(id)) missing++;
  return { imageIds: ids, pred, target, studyOf, missingPredictions: missing, unlabelledPredictions: preds.imageIds.length - ids.length };
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The report; with `bootstrap`, also the 95 % intervals of weighted log loss, AUC(any) and study AUC(any), resampling studies. */
export function computeEvaluation(m: MatchedSet, threshold = 0.5, bootstrap?: BootstrapOptions): EvaluationReport {
  const n = m.imageIds.length;
  const ll = logLossPerClass(m.pred, m.target);
  const per = <T>(f: (k: number, s: Subtype) => T): PerLabel<T> => Object.fromEntries(SUBTYPES.map((s, k) => [s, f(k, s)])) as PerLabel<T>;
  const cols = SUBTYPES.map((_, k) => ({ p: column(m.pred, k), y: column(m.target, k) }));
  const c = (k: number): { p: Float64Array; y: Float64Array } => cols[k] as { p: Float64Array; y: Float64Array };
  return {
    weightedLogLoss: weightedLogLoss(m.pred, m.target),
    logLoss: per((k) => ll[k] as number),
    auc: per((k) => orNull(rocAuc(c(k).p, c(k).y))),
    studyAuc: per((k) => (m.studyOf ? orNull(studyAuc(c(k).p, c(k).y, m.studyOf)) : null)),
    n,
    positives: per((k) => c(k).y.reduce((a, b) => a + b, 0)),
    studies: m.studyOf ? new Set(m.studyOf).size : null,
    threshold,
    atThreshold: per((k) => sensitivitySpecificity(c(k).p, c(k).y, threshold)),
    atYouden: per((k) => {
      const y = youdenThreshold(c(k).p, c(k).y);
      return Number.isFinite(y.threshold) ? y : null;
    }),
    missingPredictions: m.missingPredictions,
    unlabelledPredictions: m.unlabelledPredictions,
    ...(bootstrap ? { ci95: bootstrapIntervals(m.pred, m.target, m.studyOf ? { unit: 'study', keys: m.studyOf } : { unit: 'slice', keys: m.imageIds }, { ...bootstrap, level: 0.95 }) } : {}),
  };
}

/** Plot data for the HTML report. */
export interface EvaluationCurves {
  roc: PerLabel<{ fpr: number[]; tpr: number[] } | null>;
  calibration: CalibrationBin[];
}

export function computeCurves(m: MatchedSet): EvaluationCurves {
  const roc = Object.fromEntries(
    SUBTYPES.map((s, k) => {
      const y = column(m.target, k);
      const pos = y.reduce((a, b) => a + b, 0);
      if (pos === 0 || pos === y.length) return [s, null];
      const r = rocCurve(column(m.pred, k), y);
      return [s, { fpr: [...r.fpr], tpr: [...r.tpr] }];
    }),
  ) as PerLabel<{ fpr: number[]; tpr: number[] } | null>;
  return { roc, calibration: calibrationBins(column(m.pred, K - 1), column(m.target, K - 1), 10) };
}
