/**
 * Calibration of a head's `any` output on out-of-fold predictions (Platt scaling):
 * p' = σ(a · logit(p) + b), two numbers fitted by Newton's method on the binary log loss of the
 * out-of-fold slices. `crossCalibrate` measures it honestly: each fold's predictions are
 * recalibrated with (a, b) fitted on the other folds only, so the calibrated CV log loss is not
 * fitted on the slices it scores. Heads fold (a, b) into their output weights (head-cv.ts).
 */
import { SUBTYPES } from '../../core/subtypes.js';
import { weightedLogLoss } from '../../model/metrics.js';
import type { CvResult } from './cross-validate.js';

const K = SUBTYPES.length;
const ANY = K - 1;

export interface Platt {
  a: number;
  b: number;
}

const logit = (p: number): number => {
  const q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
  return Math.log(q / (1 - q));
};

/** Fits (a, b) on scores p and 0/1 labels y: Newton's method with backtracking (overconfident
 * scores saturate the Hessian, so a full step can overshoot) and a tiny ridge toward a = 1, b = 0. */
export function fitPlatt(p: ArrayLike<number>, y: ArrayLike<number>): Platt {
  const ridge = 1e-3;
  const x = Array.from(p, (v) => logit(v));
  const loss = (a: number, b: number): number => {
    let l = 0.5 * ridge * ((a - 1) ** 2 + b * b);
    for (let i = 0; i < x.length; i++) {
      const z = a * (x[i] as number) + b;
      // log(1 + e^z) − y·z, computed stably
      l += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - (y[i] as number) * z;
    }
    return l;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let it = 0; it < 100; it++) {
    let ga = ridge * (a - 1), gb = ridge * b, haa = ridge, hab = 0, hbb = ridge;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i] as number;
      const q = 1 / (1 + Math.exp(-(a * xi + b)));
      const r = q - (y[i] as number);
      const w = q * (1 - q);
      ga += r * xi;
      gb += r;
      haa += w * xi * xi;
      hab += w * xi;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let t = 1;
    let next = loss(a - da, b - db);
    while (next > current && t > 1e-6) {
      t /= 2;
      next = loss(a - t * da, b - t * db);
    }
    if (next > current) break;
    a -= t * da;
    b -= t * db;
    const gain = current - next;
    current = next;
    if (gain < 1e-10) break;
  }
  return { a, b };
}

/** `pred` [n, 6] with the `any` column recalibrated. */
export function applyPlatt(pred: Float32Array, c: Platt): Float32Array {
  const out = Float32Array.from(pred);
  for (let i = ANY; i < out.length; i += K) out[i] = 1 / (1 + Math.exp(-(c.a * logit(out[i] as number) + c.b)));
  return out;
}

export interface CrossCalibration {
  /** Mean over folds of the weighted log loss before and after leave-fold-out calibration. */
  meanFoldWeightedLogLoss: number;
  meanFoldCalibratedWeightedLogLoss: number;
  /** Per fold, in cv.folds order. */
  calibratedWeightedLogLoss: number[];
  /** Fitted on all out-of-fold slices: what a shipped head would use. */
  all: Platt;
}

/** Leave-one-fold-out Platt scaling of `any` over a CV's out-of-fold predictions. */
export function crossCalibrate(cv: CvResult): CrossCalibration {
  const bounds: [number, number][] = [];
  let r = 0;
  for (const f of cv.folds) {
    bounds.push([r, r + f.slices]);
    r += f.slices;
  }
  const anyOf = (from: number, to: number): { p: number[]; y: number[] } => {
    const p: number[] = [];
    const y: number[] = [];
    for (let i = from; i < to; i++) {
      p.push(cv.oof.pred[i * K + ANY] as number);
      y.push(cv.oof.target[i * K + ANY] as number);
    }
    return { p, y };
  };
  const calibrated = bounds.map(([from, to]) => {
    const rest = bounds.filter(([f]) => f !== from).map(([f, t]) => anyOf(f, t));
    const c = fitPlatt(rest.flatMap((x) => x.p), rest.flatMap((x) => x.y));
    return weightedLogLoss(applyPlatt(cv.oof.pred.slice(from * K, to * K), c), cv.oof.target.slice(from * K, to * K));
  });
  const all = anyOf(0, r);
  const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);
  return {
    meanFoldWeightedLogLoss: mean(cv.folds.map((f) => f.weightedLogLoss)),
    meanFoldCalibratedWeightedLogLoss: mean(calibrated),
    calibratedWeightedLogLoss: calibrated,
    all: fitPlatt(all.p, all.y),
  };
}
