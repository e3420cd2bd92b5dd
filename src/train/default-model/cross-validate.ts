/**
 * The default model's training rows and its patient-grouped cross-validation. Rows are slices;
 * a row's features are the trunk embeddings of slices s−k … s+k of its series, concatenated
 * (the same stacking `scorer.ts` does at prediction time). Folds group by patient (no patient in
 * two folds) and are balanced by dealing patients, sorted by positive-slice count, round-robin.
 */
import { concatFloat32 } from '../../core/tensor.js';
import { SUBTYPES } from '../../core/subtypes.js';
import { rocAuc, column, weightedLogLoss, logLossPerClass, studyAuc } from '../../model/metrics.js';
import { stackEmbeddings } from '../../model/features/slice-context.js';
import type { EmbeddedSeries } from './embed-dataset.js';
import { applyLogisticHead, fitLogisticHead, type LogisticHead, type LogisticOptions } from './logistic.js';

const K = SUBTYPES.length;

export interface Rows {
  x: Float32Array;
  y: Float32Array;
  n: number;
  width: number;
  /** Series key per row (study-level metrics). */
  seriesOf: string[];
  weight: Float32Array;
}

/** Rows of the given series and variants, each row weighted `weight`. */
export function buildRows(series: readonly EmbeddedSeries[], variants: readonly number[], F: number, context: number, weight = 1): Rows {
  const width = F * (2 * context + 1);
  let n = 0;
  for (const s of series) n += s.imageIds.length * variants.filter((v) => v < s.variants.length).length;
  const x = new Float32Array(n * width);
  const y = new Float32Array(n * K);
  const seriesOf: string[] = [];
  let r = 0;
  for (const s of series) {
    const m = s.imageIds.length;
    const idx = Array.from({ length: m }, (_, i) => i);
    for (const v of variants) {
      const emb = s.variants[v];
      if (!emb) continue;
      x.set(stackEmbeddings(emb, m, F, context, idx).data, r * width);
      y.set(s.labels, r * K);
      for (let i = 0; i < m; i++) seriesOf.push(`${s.seriesInstanceUid}#${v}`);
      r += m;
    }
  }
  return { x, y, n, width, seriesOf, weight: new Float32Array(n).fill(weight) };
}

export function concatRows(a: Rows, b: Rows): Rows {
  const x = new Float32Array((a.n + b.n) * a.width);
  x.set(a.x);
  x.set(b.x, a.n * a.width);
  const y = new Float32Array((a.n + b.n) * K);
  y.set(a.y);
  y.set(b.y, a.n * K);
  const weight = new Float32Array(a.n + b.n);
  weight.set(a.weight);
  weight.set(b.weight, a.n);
  return { x, y, n: a.n + b.n, width: a.width, seriesOf: [...a.seriesOf, ...b.seriesOf], weight };
}

/** Assigns groups (patients) to k folds, balancing positive slices. Deterministic. */
export function assignFolds(series: readonly EmbeddedSeries[], k: number): Map<string, number> {
  const pos = new Map<string, number>();
  for (const s of series) {
    let p = 0;
    for (let i = 0; i < s.imageIds.length; i++) p += s.labels[i * K + K - 1] as number;
    pos.set(s.group, (pos.get(s.group) ?? 0) + p);
  }
  const groups = [...pos.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const fold = new Map<string, number>();
  groups.forEach(([g], i) => {
    const round = Math.floor(i / k);
    const j = i % k;
    fold.set(g, round % 2 === 0 ? j : k - 1 - j); // snake order keeps fold sizes even
  });
  return fold;
}

export interface FoldResult {
  fold: number;
  patients: number;
  slices: number;
  positives: number;
  aucAny: number;
  studyAucAny: number;
  weightedLogLoss: number;
  /** The constant-prior (training prevalence) weighted log loss on the same fold, for reference. */
  priorWeightedLogLoss: number;
  logLoss: Record<string, number>;
}

export interface CvResult {
  folds: FoldResult[];
  /** Out-of-fold predictions of every real slice (variant 0), [n, 6], with labels and series. */
  oof: { pred: Float32Array; target: Float32Array; seriesOf: string[]; imageIds: string[] };
}

/** Constant predictions at the training prevalence, Laplace-smoothed ((pos + 1) / (n + 2)) so a label never seen positive is not predicted as impossible. */
function priorPredictions(train: Rows, n: number): Float32Array {
  const prior = new Float64Array(K);
  for (let i = 0; i < train.n; i++) for (let k = 0; k < K; k++) prior[k] = (prior[k] as number) + (train.y[i * K + k] as number);
  for (let k = 0; k < K; k++) prior[k] = ((prior[k] as number) + 1) / (train.n + 2);
  const out = new Float32Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) out[i * K + k] = prior[k] as number;
  return out;
}

/**
 * k-fold CV over `real` series grouped by patient; every training fold also gets all `extra`
 * series (synthetic data). Trains on all variants, evaluates on variant 0 only.
 */
export function crossValidate(real: readonly EmbeddedSeries[], extra: readonly EmbeddedSeries[], F: number, context: number, k: number, opts: LogisticOptions & { variants: number; extraWeight: number; onFold?: (f: FoldResult) => void }): CvResult {
  const folds = assignFolds(real, k);
  const all = Array.from({ length: opts.variants }, (_, v) => v);
  const extraRows = extra.length ? buildRows(extra, all, F, context, opts.extraWeight) : undefined;
  const results: FoldResult[] = [];
  const oofPred: Float32Array[] = [];
  const oofTarget: Float32Array[] = [];
  const oofSeries: string[] = [];
  const oofIds: string[] = [];
  for (let f = 0; f < k; f++) {
    const test = real.filter((s) => folds.get(s.group) === f);
    const trainSeries = real.filter((s) => folds.get(s.group) !== f);
    if (test.length === 0) continue;
    let train = buildRows(trainSeries, all, F, context);
    if (extraRows) train = concatRows(train, extraRows);
    const head: LogisticHead = fitLogisticHead(train.x, train.y, train.n, train.width, { ...opts, rowWeights: train.weight });
    const te = buildRows(test, [0], F, context);
    const pred = applyLogisticHead(head, te.x, te.n);
    const anyCol = column(pred, K - 1);
    const anyY = column(te.y, K - 1);
    const ll = logLossPerClass(pred, te.y);
    const r: FoldResult = {
      fold: f,
      patients: new Set(test.map((s) => s.group)).size,
      slices: te.n,
      positives: anyY.reduce((a, b) => a + b, 0),
      aucAny: rocAuc(anyCol, anyY),
      studyAucAny: studyAuc(anyCol, anyY, te.seriesOf),
      weightedLogLoss: weightedLogLoss(pred, te.y),
      priorWeightedLogLoss: weightedLogLoss(priorPredictions(train, te.n), te.y),
      logLoss: Object.fromEntries(SUBTYPES.map((s, j) => [s, ll[j] as number])),
    };
    results.push(r);
    opts.onFold?.(r);
    oofPred.push(pred);
    oofTarget.push(te.y);
    oofSeries.push(...te.seriesOf);
    for (const s of test) oofIds.push(...s.imageIds);
  }
  return { folds: results, oof: { pred: concatFloat32(oofPred), target: concatFloat32(oofTarget), seriesOf: oofSeries, imageIds: oofIds } };
}
