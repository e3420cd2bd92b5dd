/**
 * The study verdict's operating point. A study's score is the maximum over its slices of P(any);
 * a maximum of 20–40 slice scores crosses a slice-level threshold far more often than a single
 * slice does, so the study verdict needs its own threshold, chosen on study scores that the head
 * did not train on (out-of-fold rsna-dev studies and held-out synthetic studies).
 */
import { aggregateByStudy, youdenThreshold, type NumArray } from '../../model/metrics.js';

export interface StudyScores {
  /** Max over slices of P(any), one per study. */
  scores: Float64Array;
  /** 1 when any slice of the study is positive. */
  labels: Float64Array;
}

/** Study scores and labels from per-slice P(any), labels and study keys. */
export function computeStudyScores(sliceAny: NumArray, sliceY: NumArray, studyOf: readonly string[]): StudyScores {
  const agg = aggregateByStudy(sliceAny, sliceY, studyOf);
  return { scores: agg.scores, labels: agg.labels };
}

export interface StudyThreshold {
  threshold: number;
  studies: number;
  positives: number;
  sensitivity: number;
  specificity: number;
}

/**
 * Youden point of the pooled study scores, moved halfway down to the next lower study score so
 * that the boundary does not sit exactly on one training study's score. Sensitivity and
 * specificity are those of the pooled studies at the returned threshold.
 */
export function chooseStudyThreshold(parts: readonly StudyScores[]): StudyThreshold {
  const scores = Float64Array.from(parts.flatMap((p) => [...p.scores]));
  const labels = Float64Array.from(parts.flatMap((p) => [...p.labels]));
  const y = youdenThreshold(scores, labels);
  const below = [...scores].filter((s) => s < y.threshold);
  const threshold = below.length ? (y.threshold + Math.max(...below)) / 2 : y.threshold;
  let tp = 0, fn = 0, tn = 0, fp = 0;
  scores.forEach((s, i) => {
    const pos = (labels[i] as number) > 0.5;
    if (s >= threshold) {
      if (pos) tp++;
      else fp++;
    } else if (pos) fn++;
    else tn++;
  });
  return { threshold, studies: scores.length, positives: tp + fn, sensitivity: tp / Math.max(1, tp + fn), specificity: tn / Math.max(1, tn + fp) };
}
