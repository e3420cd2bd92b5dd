/**
 * The RSNA 2019 Kaggle metric as a tfjs training loss: weighted multi-label log loss.
 * yTrue, yPred: [n, 6] in SUBTYPES order (targets 0/1, predictions are probabilities).
 * Per image L_i = Σ_k w_k·ll_ik / Σ_k w_k with w = 2 for `any`, 1 otherwise (Σw = 7); the loss is
 * the mean of L_i. Kaggle clips p to [1e-15, 1 − 1e-15]; 1 − 1e-15 rounds to 1 in float32, so the
 * clip is written equivalently as log(max(p, ε)) and log(max(1 − p, ε)) — the same value as the
 * competition's formula, finite in float32. The pure-array twin is `weightedLogLoss` in
 * src/model/metrics.ts; a test checks both agree.
 */
import * as tf from '@tensorflow/tfjs';
import { KAGGLE_EPS, KAGGLE_WEIGHTS, SUBTYPES } from '../core/subtypes.js';

/** Per-image, per-label binary log loss [n, 6], clipped like the Kaggle metric. */
export function binaryLogLossMatrix(yTrue: tf.Tensor, yPred: tf.Tensor, eps = KAGGLE_EPS): tf.Tensor2D {
  return tf.tidy(() => {
    const logP = tf.log(tf.maximum(yPred, eps));
    const log1mP = tf.log(tf.maximum(tf.sub(1, yPred), eps));
    return tf.neg(tf.add(tf.mul(yTrue, logP), tf.mul(tf.sub(1, yTrue), log1mP))) as tf.Tensor2D;
  });
}

/**
 * Kaggle weighted log loss, a scalar (nats). `labelWeights` overrides the per-label weights
 * (default KAGGLE_WEIGHTS: `any` × 2); they are normalised by their sum per image.
 */
export function kaggleWeightedLogLoss(yTrue: tf.Tensor, yPred: tf.Tensor, labelWeights: ArrayLike<number> = KAGGLE_WEIGHTS): tf.Scalar {
  return tf.tidy(() => {
    const w = Array.from(labelWeights);
    if (w.length !== SUBTYPES.length) throw new Error(`loss weights need ${SUBTYPES.length} values`);
    const sum = w.reduce((a, b) => a + b, 0);
    const ll = binaryLogLossMatrix(yTrue, yPred);
    return tf.mean(tf.div(tf.sum(tf.mul(ll, tf.tensor1d(w)), 1), sum)) as tf.Scalar;
  });
}

/** Plain (unweighted) mean binary cross-entropy over all labels, the capstone's alternative loss. */
export function meanBinaryCrossEntropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(binaryLogLossMatrix(yTrue, yPred)) as tf.Scalar);
}

export const LOSS_NAMES = ['kaggle', 'bce'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

/** A loss function by name: `kaggle` (default, the competition metric) or `bce`. */
export function lossByName(name: LossName): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  return name === 'bce' ? meanBinaryCrossEntropy : (t, p) => kaggleWeightedLogLoss(t, p);
}
