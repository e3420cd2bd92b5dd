/**
 * One patient-grouped cross-validation for any head over per-slice embeddings, so the logistic
 * head and the study head are compared on exactly the same folds, rows and metrics. A head is a
 * trainer: weighted training series in, a predictor of one series' [n, 6] probabilities out.
 * Folds as in cross-validate.ts (`assignFolds`: by patient, balanced by positive slices); every
 * training fold gets all variants of its real series (weight 1) and all `extra` (synthetic) series
 * (weight `extraWeight`) and the `grouped` series — lesions inserted into real patients' slices —
 * of every patient outside the held-out fold (weight `grouped.weight`), so a fold never trains on
 * its own patients' anatomy; metrics on variant 0 of the held-out patients.
 */
import { concatFloat32 } from '../../core/tensor.js';
import { SUBTYPES } from '../../core/subtypes.js';
import { column, logLossPerClass, rocAuc, studyAuc, weightedLogLoss } from '../../model/metrics.js';
import { stackEmbeddings } from '../../model/features/slice-context.js';
import { buildLogisticHeadOnnx } from '../../model/card/model-folder.js';
import { exportLayersModelToOnnx } from '../../model/onnx/export.js';
import type { EmbeddedSeries } from './embed-dataset.js';
import { assignFolds, type CvResult, type FoldResult } from './cross-validate.js';
import { applyLogisticHead, fitLogisticHead, type LogisticOptions } from './logistic.js';
import type { Platt } from './calibrate.js';
import { applyStudyHead, disposeStudyHead, fitStudyHead, recalibrateStudyHead, type StudyHeadOptions, type WeightedSeries } from './study-head.js';

const K = SUBTYPES.length;

/** Probabilities [n, 6] of one series from its raw embeddings [n, F]. */
export interface SeriesPredictor {
  predict(emb: Float32Array, n: number): Float32Array;
  /** The head as ONNX bytes: [n, F·(2k+1)] → [n, 6] (logistic) or [1, n, 1, F] → [1, n, 1, 6] (study head). */
  toOnnx(docString: string): Uint8Array;
  /** Folds logit' = a · logit + b of the `any` output into the head's weights (calibrate.ts). */
  recalibrateAny(c: Platt): void;
  dispose(): void;
}

export interface HeadTrainer {
  readonly name: string;
  fit(train: readonly WeightedSeries[]): SeriesPredictor;
}

/** The given variants of `series` as weighted training series (a variant a series lacks is skipped). */
export function expandVariants(series: readonly EmbeddedSeries[], variants: readonly number[], weight: number): WeightedSeries[] {
  const out: WeightedSeries[] = [];
  for (const s of series)
    for (const v of variants) {
      const emb = s.variants[v];
      if (emb) out.push({ emb, labels: s.labels, n: s.imageIds.length, weight });
    }
  return out;
}

/** The default model's logistic head over slices s−context … s+context as a trainer. */
export function logisticTrainer(F: number, context: number, opts: LogisticOptions): HeadTrainer {
  const width = F * (2 * context + 1);
  return {
    name: 'logistic',
    fit(train) {
      const n = train.reduce((a, s) => a + s.n, 0);
      const x = new Float32Array(n * width);
      const y = new Float32Array(n * K);
      const w = new Float32Array(n);
      let r = 0;
      for (const s of train) {
        const idx = Array.from({ length: s.n }, (_, i) => i);
        x.set(stackEmbeddings(s.emb, s.n, F, context, idx).data, r * width);
        y.set(s.labels.subarray(0, s.n * K), r * K);
        w.fill(s.weight, r, r + s.n);
        r += s.n;
      }
      const head = fitLogisticHead(x, y, n, width, { ...opts, rowWeights: w });
      return {
        predict: (emb, m) => applyLogisticHead(head, stackEmbeddings(emb, m, F, context, Array.from({ length: m }, (_, i) => i)).data, m),
        toOnnx: (doc) => buildLogisticHeadOnnx(head.weights, head.bias, head.features, doc),
        recalibrateAny: (c) => {
          for (let f = 0; f < head.features; f++) head.weights[f * K + K - 1] = (head.weights[f * K + K - 1] as number) * c.a;
          head.bias[K - 1] = (head.bias[K - 1] as number) * c.a + c.b;
        },
        dispose: () => undefined,
      };
    },
  };
}

/** The study-conv head (study-head.ts) as a trainer. */
export function studyTrainer(F: number, opts: StudyHeadOptions): HeadTrainer {
  return {
    name: 'study-conv',
    fit(train) {
      const head = fitStudyHead(train, F, opts);
      return {
        predict: (emb, n) => applyStudyHead(head, emb, n),
        toOnnx: (doc) => exportLayersModelToOnnx(head.model, { docString: doc }),
        recalibrateAny: (c) => recalibrateStudyHead(head, K - 1, c.a, c.b),
        dispose: () => disposeStudyHead(head),
      };
    },
  };
}

/** Laplace-smoothed training prevalence ((pos + 1) / (rows + 2)) over unweighted rows, as cross-validate.ts. */
function priorOf(train: readonly WeightedSeries[]): Float64Array {
  const pos = new Float64Array(K);
  let n = 0;
  for (const s of train) {
    n += s.n;
    for (let i = 0; i < s.n; i++) for (let k = 0; k < K; k++) pos[k] = (pos[k] as number) + (s.labels[i * K + k] as number);
  }
  return pos.map((p) => (p + 1) / (n + 2));
}

export interface HeadCvOptions {
  variants: number;
  extraWeight: number;
  /** Series that belong to a real patient (`group` = PatientID), e.g. lesions inserted into its slices: in training folds only when their patient is. */
  grouped?: { series: readonly EmbeddedSeries[]; weight: number };
  onFold?: (head: string, f: FoldResult) => void;
}

/** Cross-validates each trainer on the same folds; results in trainer order. */
export function crossValidateHeads(real: readonly EmbeddedSeries[], extra: readonly EmbeddedSeries[], k: number, trainers: readonly HeadTrainer[], opts: HeadCvOptions): CvResult[] {
  const folds = assignFolds(real, k);
  const all = Array.from({ length: opts.variants }, (_, v) => v);
  const extraRows = expandVariants(extra, all, opts.extraWeight);
  const grouped = opts.grouped?.series ?? [];
  const unknown = grouped.find((s) => !folds.has(s.group));
  if (unknown) throw new Error(`grouped series ${unknown.seriesInstanceUid} belongs to patient ${unknown.group}, who is not among the real series`);
  return trainers.map((trainer) => {
    const results: FoldResult[] = [];
    const pred: Float32Array[] = [];
    const target: Float32Array[] = [];
    const seriesOf: string[] = [];
    const imageIds: string[] = [];
    for (let f = 0; f < k; f++) {
      const test = real.filter((s) => folds.get(s.group) === f);
      if (test.length === 0) continue;
      const base = [...expandVariants(real.filter((s) => folds.get(s.group) !== f), all, 1), ...extraRows];
      const train = [...base, ...expandVariants(grouped.filter((s) => folds.get(s.group) !== f), all, opts.grouped?.weight ?? 0)];
      const predictor = trainer.fit(train);
      const p = concatFloat32(test.map((s) => predictor.predict(s.variants[0] as Float32Array, s.imageIds.length)));
      predictor.dispose();
      const y = concatFloat32(test.map((s) => s.labels));
      const sOf = test.flatMap((s) => s.imageIds.map(() => `${s.seriesInstanceUid}#0`));
      const n = sOf.length;
      const prior = priorOf(base); // the reference stays the same with or without grouped rows
      const priorPred = new Float32Array(n * K).map((_, j) => prior[j % K] as number);
      const anyP = column(p, K - 1);
      const anyY = column(y, K - 1);
      const ll = logLossPerClass(p, y);
      const r: FoldResult = {
        fold: f,
        patients: new Set(test.map((s) => s.group)).size,
        slices: n,
        positives: anyY.reduce((a, b) => a + b, 0),
        aucAny: rocAuc(anyP, anyY),
        studyAucAny: studyAuc(anyP, anyY, sOf),
        weightedLogLoss: weightedLogLoss(p, y),
        priorWeightedLogLoss: weightedLogLoss(priorPred, y),
        logLoss: Object.fromEntries(SUBTYPES.map((s, j) => [s, ll[j] as number])),
      };
      results.push(r);
      opts.onFold?.(trainer.name, r);
      pred.push(p);
      target.push(y);
      seriesOf.push(...sOf);
      for (const s of test) imageIds.push(...s.imageIds);
    }
    return { folds: results, oof: { pred: concatFloat32(pred), target: concatFloat32(target), seriesOf, imageIds } };
  });
}
