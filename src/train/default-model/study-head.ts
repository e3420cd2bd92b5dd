/**
 * The study head: fits a `study-conv` model (src/model/architectures/study-conv.ts) on whole
 * series of per-slice embeddings [n, F] (z order) with the Kaggle weighted log loss, and applies
 * it. Each step stacks a seeded random draw of `seriesPerStep` series along z (gap rows between
 * them, masked), so a step sees several patients; Adam, L2 on the conv kernels, dropout from the
 * seeded RNG (src/core/random.ts): same data + same seed → same weights (tested).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../../core/random.js';
import { KAGGLE_WEIGHTS, SUBTYPES } from '../../core/subtypes.js';
import { assembleStudyConvEnsemble, buildStudyConv, forwardStacked, setStandardisation, studyConvGap, type StudyConvConfig, type StudyConvModel } from '../../model/architectures/study-conv.js';
import { binaryLogLossMatrix } from '../../model/loss.js';
import { trainableVariables } from '../step.js';

const K = SUBTYPES.length;

/** One training series: raw embeddings [n, F], labels [n, 6], and the weight of each of its rows. */
export interface WeightedSeries {
  emb: Float32Array;
  labels: Float32Array;
  n: number;
  weight: number;
}

export interface StudyHeadOptions {
  hidden: readonly number[];
  kernel: number;
  /** Members of the seed ensemble (their logits are averaged). */
  ensemble: number;
  /** Adam steps, step size, series per step. */
  steps: number;
  lr: number;
  seriesPerStep: number;
  /** L2 penalty on the conv stack's kernels (sum of squares × l2). */
  l2: number;
  /** The linear path's kernel length along z (0 = none; study-conv.ts) and its L2 penalty. */
  linearKernel: number;
  linearL2: number;
  inputDropout: number;
  dropout: number;
  /** Chance that a drawn series is cut to a random contiguous run of 1 … n slices (so short series
   * and single slices, whose ends are all padding, are seen in training). */
  cropProbability: number;
  seed: number;
}

/** The shipped configuration (chosen by rsna-dev CV and held-out synthetic seed 505 among those in docs/model-card.md). */
export const STUDY_HEAD_DEFAULTS: StudyHeadOptions = { hidden: [16], kernel: 5, ensemble: 3, steps: 400, lr: 3e-3, seriesPerStep: 16, l2: 0.01, linearKernel: 0, linearL2: 0, inputDropout: 0.2, dropout: 0.5, cropProbability: 0, seed: 2019 };

export interface StudyHead {
  features: number;
  config: StudyConvConfig;
  members: StudyConvModel[];
  /** The ensemble as one model (the only member's own when there is one): what is exported. */
  model: tf.LayersModel;
}

/** Mean and SD of every feature over all rows (SD floored at 1e-6, as the logistic head does). */
function featureMoments(series: readonly WeightedSeries[], F: number): { mean: Float64Array; sd: Float64Array } {
  const mean = new Float64Array(F);
  const sd = new Float64Array(F);
  let n = 0;
  for (const s of series) for (let i = 0; i < s.n; i++, n++) for (let f = 0; f < F; f++) mean[f] = (mean[f] as number) + (s.emb[i * F + f] as number);
  for (let f = 0; f < F; f++) mean[f] = (mean[f] as number) / Math.max(1, n);
  for (const s of series)
    for (let i = 0; i < s.n; i++)
      for (let f = 0; f < F; f++) {
        const d = (s.emb[i * F + f] as number) - (mean[f] as number);
        sd[f] = (sd[f] as number) + d * d;
      }
  for (let f = 0; f < F; f++) sd[f] = Math.sqrt((sd[f] as number) / Math.max(1, n)) + 1e-6;
  return { mean, sd };
}

/** Row-weighted prior log-odds per label, clamped to [1e-4, 1 − 1e-4]. */
function priorLogits(series: readonly WeightedSeries[]): Float64Array {
  const pos = new Float64Array(K);
  let w = 0;
  for (const s of series) {
    w += s.weight * s.n;
    for (let i = 0; i < s.n; i++) for (let k = 0; k < K; k++) pos[k] = (pos[k] as number) + s.weight * (s.labels[i * K + k] as number);
  }
  return pos.map((p) => {
    const q = Math.min(Math.max(p / Math.max(w, 1e-9), 1e-4), 1 - 1e-4);
    return Math.log(q / (1 - q));
  });
}

export interface StackedBatch {
  /** [1, L, 1, F] raw features, gap rows zero. */
  x: Float32Array;
  /** [L] 1 on slice rows. */
  rowMask: Float32Array;
  /** [L, 6] labels and [L] row weights (0 on gap rows). */
  y: Float32Array;
  weight: Float32Array;
  /** Row offset of each series in the stack. */
  offsets: number[];
  L: number;
}

/** Stacks series along z with `gap` zero rows before, between and after them. */
export function stackSeries(series: readonly WeightedSeries[], F: number, gap: number): StackedBatch {
  const L = series.reduce((a, s) => a + s.n + gap, gap);
  const x = new Float32Array(L * F);
  const rowMask = new Float32Array(L);
  const y = new Float32Array(L * K);
  const weight = new Float32Array(L);
  const offsets: number[] = [];
  let r = gap;
  for (const s of series) {
    offsets.push(r);
    x.set(s.emb.subarray(0, s.n * F), r * F);
    y.set(s.labels.subarray(0, s.n * K), r * K);
    rowMask.fill(1, r, r + s.n);
    weight.fill(s.weight, r, r + s.n);
    r += s.n + gap;
  }
  return { x, rowMask, y, weight, offsets, L };
}

/** Row-weighted Kaggle log loss: (Σ_rows w_r · Σ_k w_k ll_rk / Σ_k w_k) / Σ_rows w_r (loss.ts' clipped log loss). */
function weightedKaggleLoss(p: tf.Tensor2D, y: tf.Tensor2D, rowWeight: tf.Tensor1D, wsum: number): tf.Scalar {
  const ll = binaryLogLossMatrix(y, p);
  const per = tf.div(tf.sum(tf.mul(ll, tf.tensor1d(Array.from(KAGGLE_WEIGHTS))), 1), KAGGLE_WEIGHTS.reduce((a, b) => a + b, 0));
  return tf.div(tf.sum(tf.mul(per, rowWeight)), wsum) as tf.Scalar;
}

function drawSeries(rng: Rng, n: number, k: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx.slice(0, Math.min(k, n));
}

/** With probability p, a random contiguous run of 1 … n slices of `s` (else `s` itself). */
function cropSeries(s: WeightedSeries, F: number, rng: Rng, p: number): WeightedSeries {
  if (p <= 0 || !rng.chance(p)) return s;
  const len = rng.int(1, s.n);
  const from = rng.int(0, s.n - len);
  return { emb: s.emb.subarray(from * F, (from + len) * F), labels: s.labels.subarray(from * K, (from + len) * K), n: len, weight: s.weight };
}

/** Trains one member from `rng` (seeded draws of series, dropout masks, initial weights). */
function fitMember(series: readonly WeightedSeries[], F: number, opts: StudyHeadOptions, config: StudyConvConfig, rng: Rng, name: string, onStep?: (step: number, loss: number) => void): StudyConvModel {
  const net = buildStudyConv(config, rng.fork(1), priorLogits(series), name);
  const { mean, sd } = featureMoments(series, F);
  setStandardisation(net, mean, sd);
  const gap = studyConvGap(config);
  const vars = trainableVariables(net.model);
  const linear = net.linear ? (net.linear.trainableWeights.map((w) => w.read()) as tf.Variable[]) : [];
  const kernels = vars.filter((v) => /kernel/.test(v.name) && !linear.includes(v));
  const optimizer = tf.train.adam(opts.lr);
  const drawRng = rng.fork(2);
  const dropRng = rng.fork(3);
  for (let step = 1; step <= opts.steps; step++) {
    const pick = drawSeries(drawRng, series.length, opts.seriesPerStep).map((i) => cropSeries(series[i] as WeightedSeries, F, drawRng, opts.cropProbability));
    const b = stackSeries(pick, F, gap);
    const wsum = b.weight.reduce((a, v) => a + v, 0);
    const x = tf.tensor4d(b.x, [1, b.L, 1, F]);
    const y = tf.tensor2d(b.y, [b.L, K]);
    const w = tf.tensor1d(b.weight);
    const loss = optimizer.minimize(() => {
      const p = forwardStacked(net, x, b.rowMask, { rng: dropRng, inputDropout: opts.inputDropout, dropout: opts.dropout });
      const data = weightedKaggleLoss(p, y, w, wsum);
      const sumSquares = (vs: tf.Variable[]): tf.Scalar => vs.reduce<tf.Scalar>((acc, v) => tf.add(acc, tf.sum(tf.square(v))), tf.scalar(0));
      return tf.addN([data, tf.mul(sumSquares(kernels), opts.l2), tf.mul(sumSquares(linear), opts.linearL2)]) as tf.Scalar;
    }, true, vars);
    tf.dispose([x, y, w]);
    if (onStep && loss) onStep(step, loss.dataSync()[0] as number);
    loss?.dispose();
  }
  optimizer.dispose();
  return net;
}

/**
 * Fits the study head on `series` (embeddings of width F): `opts.ensemble` members, each from its
 * own fork of the seed, averaged in logit space. Uses the active tfjs backend.
 */
export function fitStudyHead(series: readonly WeightedSeries[], F: number, opts: StudyHeadOptions = STUDY_HEAD_DEFAULTS, onStep?: (step: number, loss: number) => void): StudyHead {
  if (series.length === 0) throw new Error('fitStudyHead: no series');
  const rng = createRng(opts.seed);
  const config: StudyConvConfig = { features: F, hidden: opts.hidden, kernel: opts.kernel, linearKernel: opts.linearKernel };
  const members = Array.from({ length: Math.max(1, opts.ensemble) }, (_, m) => fitMember(series, F, opts, config, rng.fork(100 + m), `study-conv-${m}`, onStep));
  return { features: F, config, members, model: assembleStudyConvEnsemble(members, F) };
}

/** The head on one series: raw embeddings [n, F] → probabilities [n, 6] (tfjs, inference mode). */
export function applyStudyHead(head: StudyHead, emb: Float32Array, n: number): Float32Array {
  const out = tf.tidy(() => head.model.predict(tf.tensor4d(emb.subarray(0, n * head.features), [1, n, 1, head.features])) as tf.Tensor);
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return Float32Array.from(data);
}

/** Frees the head's weights. */
export function disposeStudyHead(head: StudyHead): void {
  // the ensemble's dispose reaches its members' layers (nested models); a single member is its own model
  head.model.dispose();
}

/**
 * Folds a recalibration of label `k` into the output weights: logit' = a · logit + b (the output
 * conv's and the linear path's column k scaled by a, b added to the output bias).
 */
export function recalibrateStudyHead(head: StudyHead, k: number, a: number, b: number): void {
  const scaleColumn = (layer: tf.layers.Layer, addBias: boolean): void => {
    const ws = layer.getWeights();
    const next = ws.map((w, wi) => {
      const d = Float32Array.from(w.dataSync() as Float32Array);
      const last = w.shape[w.shape.length - 1] as number;
      for (let i = k; i < d.length; i += last) d[i] = (d[i] as number) * a + (wi === 1 && addBias ? b : 0);
      return tf.tensor(d, w.shape);
    });
    layer.setWeights(next);
    tf.dispose(next);
  };
  for (const m of head.members) {
    scaleColumn(m.output, true);
    if (m.linear) scaleColumn(m.linear, false);
  }
}
