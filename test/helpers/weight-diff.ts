/** Largest |a − b| over every weight of two models of the same architecture (for resume / seed checks). */
import type * as tf from '@tensorflow/tfjs';

export function maxWeightDiff(a: tf.LayersModel, b: tf.LayersModel): number {
  const wb = b.getWeights();
  let maxDiff = 0;
  a.getWeights().forEach((t, i) => {
    const u = (wb[i] as tf.Tensor).dataSync();
    t.dataSync().forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - (u[j] as number)))));
  });
  return maxDiff;
}
