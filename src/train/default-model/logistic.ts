/**
 * Multi-label logistic regression on fixed features (the default model's head), in plain TS:
 * features standardised on the training rows, six independent sigmoid outputs, binary
 * cross-entropy weighted per label like the Kaggle metric (any ×2) plus an L2 penalty, minimised by
 * full-batch Adam from zero weights (deterministic: no randomness at all). The standardisation is
 * folded into the returned weights, so the head is just sigmoid(x·W + b) on raw features.
 */
import { KAGGLE_WEIGHTS } from '../../core/subtypes.js';

export interface LogisticOptions {
  /** L2 penalty on the standardised weights, per label (default 0.05). */
  l2?: number;
  /** Adam steps (default 200) and step size (default 0.01). */
  steps?: number;
  lr?: number;
  /** Optional per-row weights (e.g. real rows count more than synthetic ones). */
  rowWeights?: Float32Array;
}

export interface LogisticHead {
  features: number;
  /** Row-major [features, 6] on raw (unstandardised) features. */
  weights: Float32Array;
  bias: Float32Array;
}

const K = 6;

/**
 * Fits the head. `x` is row-major [n, F], `y` row-major [n, 6] (0/1, SUBTYPES order).
 */
export function fitLogisticHead(x: Float32Array, y: Float32Array, n: number, F: number, opts: LogisticOptions = {}): LogisticHead {
  const l2 = opts.l2 ?? 0.05;
  const steps = opts.steps ?? 200;
  const lr = opts.lr ?? 0.01;
  const rw = opts.rowWeights;
  const mean = new Float64Array(F);
  const sd = new Float64Array(F);
  for (let i = 0; i < n; i++) for (let f = 0; f < F; f++) mean[f] = (mean[f] as number) + (x[i * F + f] as number);
  for (let f = 0; f < F; f++) mean[f] = (mean[f] as number) / n;
  for (let i = 0; i < n; i++)
    for (let f = 0; f < F; f++) {
      const d = (x[i * F + f] as number) - (mean[f] as number);
      sd[f] = (sd[f] as number) + d * d;
    }
  for (let f = 0; f < F; f++) sd[f] = Math.sqrt((sd[f] as number) / n) + 1e-6;
  const z = new Float32Array(n * F);
  for (let i = 0; i < n; i++) for (let f = 0; f < F; f++) z[i * F + f] = ((x[i * F + f] as number) - (mean[f] as number)) / (sd[f] as number);

  const P = (F + 1) * K; // weights [F, K] then bias [K]
  const w = new Float64Array(P);
  // start the bias at the prior log-odds (faster, and the right answer for uninformative features)
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += rw ? (rw[i] as number) : 1;
  for (let k = 0; k < K; k++) {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += (y[i * K + k] as number) * (rw ? (rw[i] as number) : 1);
    const prior = Math.min(Math.max(pos / wsum, 1e-4), 1 - 1e-4);
    w[F * K + k] = Math.log(prior / (1 - prior));
  }
  const m = new Float64Array(P);
  const v = new Float64Array(P);
  const grad = new Float64Array(P);
  const logits = new Float64Array(K);
  for (let t = 1; t <= steps; t++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * F;
      logits.fill(0);
      for (let f = 0; f < F; f++) {
        const xv = z[row + f] as number;
        if (xv === 0) continue;
        const base = f * K;
        for (let k = 0; k < K; k++) logits[k] = (logits[k] as number) + xv * (w[base + k] as number);
      }
      const ri = rw ? (rw[i] as number) : 1;
      for (let k = 0; k < K; k++) {
        const p = 1 / (1 + Math.exp(-((logits[k] as number) + (w[F * K + k] as number))));
        logits[k] = ((p - (y[i * K + k] as number)) * (KAGGLE_WEIGHTS[k] as number) * ri) / wsum;
      }
      for (let f = 0; f < F; f++) {
        const xv = z[row + f] as number;
        if (xv === 0) continue;
        const base = f * K;
        for (let k = 0; k < K; k++) grad[base + k] = (grad[base + k] as number) + xv * (logits[k] as number);
      }
      for (let k = 0; k < K; k++) grad[F * K + k] = (grad[F * K + k] as number) + (logits[k] as number);
    }
    for (let j = 0; j < F * K; j++) grad[j] = (grad[j] as number) + l2 * (w[j] as number) * (KAGGLE_WEIGHTS[j % K] as number);
    const b1 = 0.9;
    const b2 = 0.999;
    for (let j = 0; j < P; j++) {
      const g = grad[j] as number;
      m[j] = b1 * (m[j] as number) + (1 - b1) * g;
      v[j] = b2 * (v[j] as number) + (1 - b2) * g * g;
      const mh = (m[j] as number) / (1 - b1 ** t);
      const vh = (v[j] as number) / (1 - b2 ** t);
      w[j] = (w[j] as number) - (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
  }
  // fold standardisation: w_raw = w / sd, b_raw = b − Σ_f w_f · mean_f / sd_f
  const weights = new Float32Array(F * K);
  const bias = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let b = w[F * K + k] as number;
    for (let f = 0; f < F; f++) {
      const wr = (w[f * K + k] as number) / (sd[f] as number);
      weights[f * K + k] = wr;
      b -= wr * (mean[f] as number);
    }
    bias[k] = b;
  }
  return { features: F, weights, bias };
}

/** Applies a fitted head: [n, F] → probabilities [n, 6]. */
export function applyLogisticHead(head: LogisticHead, x: Float32Array, n: number): Float32Array {
  const F = head.features;
  const out = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      let s = head.bias[k] as number;
      for (let f = 0; f < F; f++) s += (x[i * F + f] as number) * (head.weights[f * K + k] as number);
      out[i * K + k] = 1 / (1 + Math.exp(-s));
    }
  }
  return out;
}
