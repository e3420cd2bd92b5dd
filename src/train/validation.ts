/**
 * Validation of a model on the held-out fold: predictions for every validation image, then the
 * competition metric and per-label log loss / ROC-AUC from src/model/metrics.ts (the same code
 * `ichscan evaluate` uses). Also the capstone's epoch-weighted prediction averaging: the
 * validation predictions of each epoch are kept (`<run>/val-preds/epoch-<e>.f32`, n×6 float32 in
 * validation order) and averaged with per-epoch weights.
 */
import { concatFloat32 } from '../core/tensor.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SUBTYPES, type Subtype } from '../core/subtypes.js';
import { column, logLossPerClass, rocAuc, weightedLogLoss } from '../model/metrics.js';
import type { LoadedBatch } from '../data/index.js';

export interface ValidationMetrics {
  n: number;
  weightedLogLoss: number;
  logLoss: Record<Subtype, number>;
  /** ROC-AUC per label; null where the fold has only one class of that label. */
  auc: Record<Subtype, number | null>;
}

export interface ValidationResult {
  metrics: ValidationMetrics;
  /** n×6 predictions, validation order. */
  pred: Float32Array;
  target: Float32Array;
}

/** Predicts every batch (inference mode) and returns predictions and targets (n×6 each). */
export async function predictBatches(model: tf.LayersModel, batches: AsyncIterable<LoadedBatch>): Promise<{ pred: Float32Array; target: Float32Array; ids: string[] }> {
  const preds: Float32Array[] = [];
  const targets: Float32Array[] = [];
  const ids: string[] = [];
  for await (const b of batches) {
    const p = tf.tidy(() => (model.predict(tf.tensor4d(b.x.data, [...b.x.shape])) as tf.Tensor).dataSync() as Float32Array);
    preds.push(Float32Array.from(p));
    targets.push(b.y);
    ids.push(...b.ids);
  }
  return { pred: concatFloat32(preds), target: concatFloat32(targets), ids };
}

/** The metrics of n×6 predictions against targets. */
export function computeValidationMetrics(pred: Float32Array, target: Float32Array): ValidationMetrics {
  const ll = logLossPerClass(pred, target);
  const logLoss = {} as Record<Subtype, number>;
  const auc = {} as Record<Subtype, number | null>;
  SUBTYPES.forEach((s, k) => {
    logLoss[s] = ll[k] as number;
    const a = rocAuc(column(pred, k), column(target, k));
    auc[s] = Number.isNaN(a) ? null : a;
  });
  return { n: pred.length / SUBTYPES.length, weightedLogLoss: weightedLogLoss(pred, target), logLoss, auc };
}

const PREDS_DIR = 'val-preds';

/** Keeps one epoch's validation predictions for later averaging. */
export function saveEpochPredictions(runDir: string, epoch: number, pred: Float32Array): void {
  const dir = join(runDir, PREDS_DIR);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `epoch-${epoch}.f32`), new Uint8Array(pred.buffer, pred.byteOffset, pred.byteLength));
}

/**
 * The epoch-weighted average of the saved validation predictions of epochs 0..lastEpoch:
 * Σ w_e·p_e / Σ w_e, where w_e = weights[e] (epochs past the list take its last weight).
 * Undefined when the weights of the available epochs sum to 0.
 */
export function averageEpochPredictions(runDir: string, lastEpoch: number, weights: readonly number[]): Float32Array | undefined {
  let sum: Float64Array | undefined;
  let wsum = 0;
  for (let e = 0; e <= lastEpoch; e++) {
    const w = weights[Math.min(e, weights.length - 1)] ?? 0;
    const file = join(runDir, PREDS_DIR, `epoch-${e}.f32`);
    if (w === 0 || !existsSync(file)) continue;
    const b = readFileSync(file);
    const p = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    sum ??= new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) sum[i] = (sum[i] as number) + w * (p[i] as number);
    wsum += w;
  }
  if (!sum || wsum === 0) return undefined;
  return Float32Array.from(sum, (v) => v / wsum);
}
