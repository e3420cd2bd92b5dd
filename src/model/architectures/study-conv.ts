/**
 * `study-conv`: a study-level model over the per-slice embeddings of one series ordered in z (the
 * RSNA 2019 1st place's idea of a sequence model after the slice model, here as a 1-D convolution
 * stack). Input NHWC [1, n, 1, F] — the series' n slice embeddings as a column, any n — output
 * [1, n, 1, 6], sigmoid probabilities per slice (SUBTYPES order); the study probability is the
 * maximum over slices, as the verdict takes it.
 *
 * Several such models trained from different seeds form an ensemble that averages their logits
 * (assembleStudyConvEnsemble), one ONNX graph.
 *
 * Layout: a frozen 1×1 conv that standardises the features (its weights are the training rows'
 * 1/SD on the diagonal and −mean/SD as bias, so the model takes raw features and zero padding at
 * the series ends means "an average slice"); then `hidden.length` Conv2D [k, 1] layers with ReLU,
 * 'same' padding, stride 1 (so every slice gets an output and the exported graph's padding does not
 * depend on n); a 1×1 sigmoid conv to the 6 labels. Receptive field 1 + hidden·(k − 1) slices.
 * Only layers the ONNX exporter converts (Conv2D, activations).
 *
 * Training applies the same layers to many series at once: series are stacked along z with
 * `gap` zero rows between them and the activations multiplied by a row mask after every layer,
 * which makes each series see exactly the zero padding it sees alone (study-conv-forward below).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/random.js';
import { glorotInit, type SymbolicTensor } from './layers-util.js';

export interface StudyConvConfig {
  /** Per-slice embedding width F. */
  features: number;
  /** Channels of each hidden [k, 1] conv layer, e.g. [32, 32]. */
  hidden: readonly number[];
  /** Kernel length along z (odd). */
  kernel: number;
  /** When > 0: a linear [linearKernel, 1] conv from the standardised features straight to the six
   * logits, added to the conv stack's — a logistic head over slices s−k … s+k plus a learnt
   * sequence correction (odd; 0 or absent = none). */
  linearKernel?: number;
}

export interface StudyConvModel {
  /** Embeddings → probabilities [1, n, 1, 6]. */
  model: tf.LayersModel;
  /** The same up to the six logits (what ensembles average, assembleStudyConvEnsemble). */
  logits: tf.LayersModel;
  standardise: tf.layers.Layer;
  hidden: tf.layers.Layer[];
  output: tf.layers.Layer;
  /** The linear path, when cfg.linearKernel > 0. */
  linear: tf.layers.Layer | undefined;
}

/** Zero rows needed between stacked series so that none sees another (half a kernel). */
export function studyConvGap(cfg: StudyConvConfig): number {
  return (Math.max(cfg.kernel, cfg.linearKernel ?? 0) - 1) / 2;
}

/**
 * Builds the model with glorot-initialised convs from `rng`, an identity standardisation (set it
 * with setStandardisation) and the output bias at `priorLogits` (6 values, default 0).
 */
export function buildStudyConv(cfg: StudyConvConfig, rng: Rng, priorLogits?: ArrayLike<number>, name = 'study-conv'): StudyConvModel {
  if (cfg.kernel % 2 !== 1) throw new Error(`study-conv kernel must be odd, got ${cfg.kernel}`);
  const F = cfg.features;
  const x = tf.input({ shape: [null, 1, F], name: 'embeddings' });
  const standardise = tf.layers.conv2d({ filters: F, kernelSize: 1, trainable: false, name: 'standardise' });
  const z = standardise.apply(x) as SymbolicTensor;
  let y = z;
  const hidden = cfg.hidden.map((c, i) =>
    tf.layers.conv2d({ filters: c, kernelSize: [cfg.kernel, 1], padding: 'same', activation: 'relu', kernelInitializer: glorotInit(rng), name: `z${i + 1}` }),
  );
  for (const h of hidden) y = h.apply(y) as SymbolicTensor;
  const lk = cfg.linearKernel ?? 0;
  if (lk > 0 && lk % 2 !== 1) throw new Error(`study-conv linear kernel must be odd, got ${lk}`);
  const output = tf.layers.conv2d({ filters: 6, kernelSize: 1, kernelInitializer: glorotInit(rng), name: 'labels' });
  let z6 = output.apply(y) as SymbolicTensor;
  let linear: tf.layers.Layer | undefined;
  if (lk > 0) {
    linear = tf.layers.conv2d({ filters: 6, kernelSize: [lk, 1], padding: 'same', useBias: false, kernelInitializer: 'zeros', name: 'linear' });
    z6 = tf.layers.add({ name: 'logits' }).apply([linear.apply(z) as SymbolicTensor, z6]) as SymbolicTensor;
  }
  const logits = tf.model({ inputs: x, outputs: z6, name: `${name}-logits` });
  const out = tf.layers.activation({ activation: 'sigmoid', name: 'probabilities' }).apply(z6) as SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: out, name });
  const built: StudyConvModel = { model, logits, standardise, hidden, output, linear };
  setStandardisation(built, new Float32Array(F), new Float32Array(F).fill(1));
  if (priorLogits) {
      const [k] = output.getWeights() as [tf.Tensor];
    const bias = tf.tensor1d(Array.from(priorLogits));
    output.setWeights([k, bias]);
    bias.dispose();
  }
  return built;
}

/** Sets the frozen standardisation: z_f = (x_f − mean_f) / sd_f. */
export function setStandardisation(m: StudyConvModel, mean: ArrayLike<number>, sd: ArrayLike<number>): void {
  const F = mean.length;
  const kernel = new Float32Array(F * F);
  const bias = new Float32Array(F);
  for (let f = 0; f < F; f++) {
    kernel[f * F + f] = 1 / (sd[f] as number);
    bias[f] = -(mean[f] as number) / (sd[f] as number);
  }
  const k = tf.tensor4d(kernel, [1, 1, F, F]);
  const b = tf.tensor1d(bias);
  m.standardise.setWeights([k, b]);
  k.dispose();
  b.dispose();
}

export interface StackedForwardOptions {
  /** Training mode: dropout masks drawn from `rng`. */
  rng?: Rng;
  /** Dropout rate on the standardised inputs and on each hidden layer's output. */
  inputDropout?: number;
  dropout?: number;
}

/** An inverted-dropout mask {0, 1/(1−p)} of `shape` from `rng`; zero on gap rows. */
function dropoutMask(rng: Rng, shape: [number, number, number, number], p: number, rowMask: Float32Array): tf.Tensor4D {
  const [, L, , C] = shape;
  const m = new Float32Array(L * C);
  for (let i = 0; i < L; i++) for (let c = 0; c < C; c++) m[i * C + c] = (rowMask[i] as number) > 0 && rng.next() >= p ? 1 / (1 - p) : 0;
  return tf.tensor4d(m, shape);
}

/**
 * The model applied to series stacked along z: `x` [1, L, 1, F] raw features with the gap rows
 * anywhere (their values do not matter), `rowMask` [L] 1 on slice rows and 0 on gap rows.
 * Returns [L, 6] probabilities (gap rows: meaningless). Without options it equals the model on
 * each series alone (tested); with `rng` it applies dropout (training).
 */
export function forwardStacked(m: StudyConvModel, x: tf.Tensor4D, rowMask: Float32Array, o: StackedForwardOptions = {}): tf.Tensor2D {
  return tf.tidy(() => {
    const L = rowMask.length;
    const mask = tf.tensor4d(rowMask, [1, L, 1, 1]);
    let h = tf.mul(m.standardise.apply(x) as tf.Tensor, mask) as tf.Tensor4D;
    const drop = (t: tf.Tensor4D, p: number | undefined): tf.Tensor4D => (o.rng && p && p > 0 ? (tf.mul(t, dropoutMask(o.rng, t.shape, p, rowMask)) as tf.Tensor4D) : t);
    h = drop(h, o.inputDropout);
    const h0 = h;
    for (const layer of m.hidden) {
      h = tf.mul(layer.apply(h) as tf.Tensor, mask) as tf.Tensor4D;
      h = drop(h, o.dropout);
    }
    let z = m.output.apply(h) as tf.Tensor4D;
    if (m.linear) z = tf.add(z, m.linear.apply(h0) as tf.Tensor) as tf.Tensor4D;
    return tf.reshape(tf.sigmoid(z), [L, 6]) as tf.Tensor2D;
  });
}

/**
 * A seed ensemble as one model: embeddings → mean of the members' logits → sigmoid, [1, n, 1, 6]
 * (members nested as layers; the exporter inlines them). One member: its own model.
 */
export function assembleStudyConvEnsemble(members: readonly StudyConvModel[], features: number): tf.LayersModel {
  const first = members[0];
  if (!first) throw new Error('study-conv ensemble: no members');
  if (members.length === 1) return first.model;
  const x = tf.input({ shape: [null, 1, features], name: 'embeddings' });
  const zs = members.map((m) => m.logits.apply(x) as SymbolicTensor);
  const mean = tf.layers.average({ name: 'mean_logits' }).apply(zs) as SymbolicTensor;
  const out = tf.layers.activation({ activation: 'sigmoid', name: 'probabilities' }).apply(mean) as SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: 'study-conv-ensemble' });
}
