/**
 * Metrics against golden values computed once with scikit-learn 1.2.1 (Debian bookworm's
 * python3-sklearn) on the fixed fixture below: numpy RandomState(7), 20 images × 6 labels, scores
 * rounded to one decimal so that ties occur and 0/1 appear (clipping). The script: weighted log loss as
 * mean over images of Σ w·ll / Σ w (checked equal to sklearn log_loss with row weights [1,1,1,1,1,2]),
 * log_loss per column, roc_auc_score per column, roc_auc_score on per-study maxima (4 slices per study),
 * roc_curve(drop_intermediate=False) and calibration_curve(n_bins=5) on `any`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregateByStudy,
  calibrationBins,
  column,
  logLossPerClass,
  rocAuc,
  rocCurve,
  sensitivitySpecificity,
  studyAuc,
  weightedLogLoss,
  youdenThreshold,
} from '../../../src/model/metrics.js';

const PRED = Float64Array.from([0.5, 0.4, 0.1, 0.5, 0.6, 0.3, 0.4, 0.9, 1.0, 0.2, 0.1, 0.9, 0.6, 0.4, 0.6, 0.5, 0.9, 0.4, 0.5, 0.9, 0.4, 0.1, 0.3, 0.5, 0.6, 0.3, 0.0, 0.3, 0.0, 0.4, 0.3, 0.4, 0.5, 0.3, 0.1, 0.5, 0.4, 1.0, 0.7, 0.5, 0.0, 0.9, 0.6, 0.3, 0.5, 0.6, 0.4, 0.6, 0.3, 0.2, 0.2, 0.1, 0.6, 0.3, 0.5, 0.3, 0.6, 0.3, 0.1, 0.7, 0.4, 0.2, 0.8, 0.4, 0.1, 0.5, 0.3, 0.1, 0.6, 0.6, 0.1, 0.3, 0.5, 0.3, 0.2, 0.4, 0.9, 0.6, 0.8, 0.7, 0.8, 0.0, 0.5, 1.0, 0.4, 0.2, 0.5, 0.5, 0.5, 0.1, 0.7, 0.7, 0.6, 0.4, 0.3, 1.0, 0.6, 0.4, 0.8, 0.1, 0.5, 0.5, 0.4, 0.1, 0.6, 0.3, 0.3, 0.1, 0.8, 0.6, 0.4, 0.5, 0.5, 0.4, 0.6, 0.4, 0.5, 0.7, 0.4, 0.5]);
const TARGET = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1]);
const STUDIES = ["S0", "S0", "S0", "S0", "S1", "S1", "S1", "S1", "S2", "S2", "S2", "S2", "S3", "S3", "S3", "S3", "S4", "S4", "S4", "S4"];

function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} != ${expected}`);
}

test('weighted log loss equals the Kaggle formula (sklearn 1.2.1)', () => {
  close(weightedLogLoss(PRED, TARGET), 0.532948921768825);
  close(weightedLogLoss(PRED, TARGET), 0.5329489217688249);
});

test('weighted log loss by hand: any counts twice, sum of weights 7', () => {
  // one image, only `any` wrong with p = 0.5: (2·ln 2 + 5·(-ln(1-1e-15)))/7
  const p = Float64Array.from([0, 0, 0, 0, 0, 0.5]);
  const y = Float64Array.from([0, 0, 0, 0, 0, 1]);
  close(weightedLogLoss(p, y), (2 * Math.LN2 + 5 * -Math.log(1 - 1e-15)) / 7, 1e-15);
  // a certain wrong answer costs -ln(1 - (1 - 1e-15)) ≈ 34.54 nats per label (1 - 1e-15 rounds in float64)
  close(weightedLogLoss(Float64Array.from([1, 1, 1, 1, 1, 1]), new Float64Array(6)), -Math.log(1 - (1 - 1e-15)), 1e-12);
});

test('per-class log loss (sklearn log_loss per column)', () => {
  const ll = logLossPerClass(PRED, TARGET);
  [0.7161525479992734, 0.4824349960090107, 0.4792174690686428, 0.47794295819677635, 0.45644827978577307, 0.5592231006611491].forEach((v, k) => close(ll[k] as number, v));
});

test('ROC-AUC with ties (sklearn roc_auc_score)', () => {
  [0.511904761904762, 0.7967032967032966, 0.890625, 0.796875, 0.7533333333333334, 0.8203125].forEach((v, k) => close(rocAuc(column(PRED, k), column(TARGET, k)), v));
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [1, 1])), 'one class only gives NaN');
  close(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
});

test('study AUC is the AUC of per-study maxima (sklearn on maxima)', () => {
  const expected = [null, 0.75, 1.0, 1.0, 0.8333333333333333, null];
  expected.forEach((v, k) => {
    const got = studyAuc(column(PRED, k), column(TARGET, k), STUDIES);
    if (v === null) assert.ok(Number.isNaN(got));
    else close(got, v);
  });
  const agg = aggregateByStudy([0.1, 0.9, 0.3], [0, 1, 0], ['a', 'a', 'b']);
  assert.deepEqual(agg.studies, ['a', 'b']);
  assert.deepEqual([...agg.scores], [0.9, 0.3]);
});

test('ROC curve points (sklearn roc_curve, drop_intermediate=False)', () => {
  const roc = rocCurve(column(PRED, 5), column(TARGET, 5));
  assert.deepEqual([...roc.fpr], [0.0, 0.0, 0.0, 0.0, 0.25, 0.25, 0.25, 0.5, 1.0]);
  assert.deepEqual([...roc.tpr], [0.0, 0.125, 0.25, 0.3125, 0.375, 0.6875, 0.875, 1.0, 1.0]);
  // sklearn 1.2 puts max+1 as the first threshold; ichscan uses +Infinity
  assert.equal(roc.thresholds[0], Infinity);
  assert.deepEqual([...roc.thresholds.slice(1)], [1.0, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.1]);
});

test('calibration bins (sklearn calibration_curve, uniform, 5 bins; empty bins dropped there)', () => {
  const bins = calibrationBins(column(PRED, 5), column(TARGET, 5), 5).filter((b) => b.count > 0);
  const trueFrac = [0.0, 0.8333333333333334, 0.8571428571428571, 1.0, 1.0];
  const meanPred = [0.1, 0.35000000000000003, 0.5285714285714286, 0.7, 0.95];
  assert.equal(bins.length, trueFrac.length);
  bins.forEach((b, i) => {
    close(b.fractionPositive, trueFrac[i] as number);
    close(b.meanPredicted, meanPred[i] as number);
  });
});

test('sensitivity/specificity and Youden threshold (by hand)', () => {
  const s = [0.1, 0.4, 0.35, 0.8];
  const y = [0, 0, 1, 1];
  const at = sensitivitySpecificity(s, y, 0.35);
  assert.deepEqual([at.tp, at.fp, at.tn, at.fn], [2, 1, 1, 0]);
  close(at.sensitivity, 1);
  close(at.specificity, 0.5);
  // J at 0.8: 0.5-0 = 0.5; at 0.4: 0.5-0.5 = 0; at 0.35: 1-0.5 = 0.5; the higher threshold wins the tie
  const yj = youdenThreshold(s, y);
  assert.equal(yj.threshold, 0.8);
  close(yj.sensitivity, 0.5);
  close(yj.specificity, 1);
});

test('metrics reject arrays that are not n×6', () => {
  assert.throws(() => weightedLogLoss([0.1, 0.2], [0, 1]), /n×6/);
});
