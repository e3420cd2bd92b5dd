/**
 * Starts a fresh model at the constant-prior prediction: the bias of its six-way sigmoid output
 * layer is set to logit(p_k), p_k = the training set's share of label k (clamped to [1e-3, 0.999]).
 * With rare labels (epidural ≈ 0.4% in RSNA) a 0.5 start costs many epochs of unlearning; this is
 * the usual "prior initialisation" of a classifier's last layer. Models whose output is not one
 * sigmoid Dense layer (multi-head) are left unchanged. Returns true when a bias was set.
 */
import * as tf from '@tensorflow/tfjs';

/** Names of the six-way sigmoid output Dense layers in the zoo (`labels`; `head_labels` in InceptionV3's head). */
const OUTPUT_LAYERS = ['labels', 'head_labels'];

function findOutputDense(model: tf.LayersModel): tf.layers.Layer | undefined {
  for (const layer of model.layers) {
    if (OUTPUT_LAYERS.includes(layer.name) && layer.getClassName() === 'Dense') return layer;
    if (layer instanceof tf.LayersModel) {
      const inner = findOutputDense(layer);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Share of each of the six labels among `targets` (n × 6; NaN rows skipped). */
export function labelPrior(targets: Iterable<Float32Array>): Float64Array {
  const sum = new Float64Array(6);
  let n = 0;
  for (const t of targets) {
    if (t.some((v) => Number.isNaN(v))) continue;
    t.forEach((v, k) => (sum[k] = (sum[k] as number) + v));
    n++;
  }
  return sum.map((s) => (n > 0 ? s / n : 0.5));
}

export function setOutputBiasToPrior(model: tf.LayersModel, prior: ArrayLike<number>): boolean {
  const layer = findOutputDense(model);
  const weights = layer?.getWeights();
  if (!layer || !weights || weights.length !== 2 || weights[1]?.size !== 6) return false;
  const bias = Array.from(prior, (p) => {
    const q = Math.min(0.999, Math.max(1e-3, p));
    return Math.log(q / (1 - q));
  });
  const b = tf.tensor1d(bias);
  layer.setWeights([weights[0] as tf.Tensor, b]);
  b.dispose();
  return true;
}
