/**
 * One optimizer step, with gradient accumulation: the gradients of `micro.length` micro-batches
 * (each within the wasm heap's limits) are averaged and applied once, so the effective batch is
 * their total. With one micro-batch this is plain optimizer.minimize.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../core/tensor.js';

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

export interface MicroBatch {
  x: Batch<'float32'>;
  /** n × 6 targets. */
  y: Float32Array;
}

/** The model's trainable variables (frozen layers excluded). */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** The loss of one micro-batch in training mode (also the crops' part of a weak-label step, train-segmenter.ts). */
export function microLoss(model: tf.LayersModel, lossFn: LossFn, m: MicroBatch): tf.Scalar {
  const x = tf.tensor4d(m.x.data, [...m.x.shape]);
  const y = tf.tensor2d(m.y, [m.x.shape[0], m.y.length / m.x.shape[0]]);
  return lossFn(y, model.apply(x, { training: true }) as tf.Tensor);
}

/**
 * Runs one step over the micro-batches; returns the image-weighted mean loss. Micro-batch
 * gradients are weighted by their image counts, so the step equals one big batch's step.
 */
export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, lossFn: LossFn, micro: readonly MicroBatch[]): number {
  const vars = trainableVariables(model);
  const first = micro[0];
  if (!first) return NaN;
  if (micro.length === 1) {
    const loss = optimizer.minimize(() => microLoss(model, lossFn, first), true, vars);
    const v = loss?.dataSync()[0] ?? NaN;
    loss?.dispose();
    return v;
  }
  const total = micro.reduce((a, m) => a + m.x.shape[0], 0);
  let sums: tf.NamedTensorMap | undefined;
  let lossSum = 0;
  for (const m of micro) {
    const share = m.x.shape[0] / total;
    const { value, grads } = tf.variableGrads(() => tf.mul(microLoss(model, lossFn, m), share) as tf.Scalar, vars);
    lossSum += value.dataSync()[0] as number;
    value.dispose();
    if (!sums) {
      sums = grads;
    } else {
      const prev: tf.NamedTensorMap = sums;
      sums = {};
      for (const [k, g] of Object.entries(grads)) {
        const p = prev[k];
        sums[k] = p ? tf.add(p, g) : g;
        if (p) {
          p.dispose();
          g.dispose();
        }
      }
    }
  }
  if (sums) {
    optimizer.applyGradients(sums);
    tf.dispose(Object.values(sums));
  }
  return lossSum;
}
