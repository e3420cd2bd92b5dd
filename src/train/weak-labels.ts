/**
 * Slice labels as weak supervision for the localisation segmenter (multiple-instance learning).
 * Real labelled CT (rsna-dev) says which slices bleed and with which subtypes, but not where: a
 * slice is a bag of map cells, positive when some cell bleeds. Each training step may add a few
 * whole real slices; their six maps are pooled to one score per channel by a smooth maximum
 * (log-mean-exp, below), and the Kaggle-weighted binary cross-entropy of those scores against the
 * slice's labels is added to the pixel loss. So the map learns real blood from real bleeding
 * slices — what inserted lesions cannot teach — and, per subtype, that e.g. an intraparenchymal
 * slice has no subdural cell.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ichError } from '../core/errors.js';
import { asImageId } from '../core/ids.js';
import type { Rng } from '../core/random.js';
import { KAGGLE_WEIGHTS, SUBTYPES, SUBTYPE_INDEX } from '../core/subtypes.js';
import type { Batch } from '../core/tensor.js';
import type { WindowPreset } from '../core/windows.js';
import { imageIdForFile, labelBitsToVector, readLabelsCsv } from '../data/index.js';
import { readDicomFile, type DecodedDicom } from '../dicom/index.js';
import { preprocessSlice } from './blood-masks.js';

export interface WeakSlice {
  id: string;
  decoded: DecodedDicom;
  /** Six 0/1 labels in SUBTYPES order. */
  labels: Float32Array;
}

/**
 * Every DICOM file of `dir` (sorted by name) with its six labels from the Kaggle CSV `labelsFile`.
 * A file whose image has no complete label set is ICH_E_BAD_LABELS naming it: a weak label that
 * silently read as "clean" would teach the map to miss blood.
 */
export async function readWeakSlices(dir: string, labelsFile: string): Promise<WeakSlice[]> {
  const table = await readLabelsCsv(labelsFile);
  const out: WeakSlice[] = [];
  for (const name of readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.dcm')).sort()) {
    const file = join(dir, name);
    const decoded = await readDicomFile(file);
    const id = imageIdForFile(file, decoded.meta.sopInstanceUid);
    const bits = table.labels.get(asImageId(id));
    if (bits === undefined) throw ichError('ICH_E_BAD_LABELS', `no complete label set for image ${id} in ${labelsFile}`, { file });
    out.push({ id, decoded, labels: labelBitsToVector(bits) });
  }
  return out;
}

export interface WeakBatchOptions {
  size: number;
  windows: readonly WindowPreset[];
  huOffset: number;
  huScale: number;
}

/**
 * `n` whole slices: x NHWC [n, size, size, C] in [0, 1], y [n, 6] labels. Half the draws (when
 * both kinds exist) come from the bleeding slices, which are ~10 % of real CT; each slice gets the
 * crops' HU jitter and a random left-right flip (labels do not change). Draws from `rng` in a
 * fixed order, so a resumed run repeats them.
 */
export function drawWeakBatch(slices: readonly WeakSlice[], n: number, o: WeakBatchOptions, rng: Rng): { x: Batch<'float32'>; y: Float32Array } {
  const C = o.windows.length;
  const K = SUBTYPES.length;
  const anyIndex = SUBTYPE_INDEX.any;
  const bleeding = slices.filter((s) => (s.labels[anyIndex] as number) > 0);
  const clean = slices.filter((s) => (s.labels[anyIndex] as number) === 0);
  const x = new Float32Array(n * o.size * o.size * C);
  const y = new Float32Array(n * K);
  for (let b = 0; b < n; b++) {
    const pool = bleeding.length && clean.length ? (rng.next() < 0.5 ? bleeding : clean) : slices;
    const s = pool[rng.int(0, pool.length - 1)] as WeakSlice;
    const img = preprocessSlice(s, o, rng.uniform(-o.huOffset, o.huOffset), rng.uniform(1 - o.huScale, 1 + o.huScale));
    const flip = rng.next() < 0.5;
    for (let r = 0; r < o.size; r++)
      for (let c = 0; c < o.size; c++) {
        const src = (r * o.size + (flip ? o.size - 1 - c : c)) * C;
        const dst = ((b * o.size + r) * o.size + c) * C;
        for (let ch = 0; ch < C; ch++) x[dst + ch] = (img.data[src + ch] as number) / 255;
      }
    y.set(s.labels, b * K);
  }
  return { x: { dtype: 'float32', data: x, shape: [n, o.size, o.size, C] }, y };
}

/**
 * Pools maps [n, h, w, K] of probabilities to [n, K] slice scores by log-mean-exp with sharpness
 * r: (1/r)·ln(mean exp(r·p)). It lies between the mean and the max of p; at r = 20 on a 128 × 128
 * map a single cell at p = 1 scores 0.51 and 16 such cells 0.65, while a map at 0.01 everywhere
 * scores 0.01 — so a few confident cells make a bleeding slice, and every cell gets a gradient
 * weighted by how close it is to the top; as r grows it tends to the max.
 */
export function poolSliceScores(maps: tf.Tensor, sharpness: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w, k] = maps.shape as [number, number, number, number];
    const flat = tf.mul(tf.reshape(maps, [n, h * w, k]), sharpness);
    // logSumExp subtracts the max first: exp(r·p) overflows float32 for r > 88
    return tf.div(tf.sub(tf.logSumExp(flat, 1), Math.log(h * w)), sharpness) as tf.Tensor2D;
  });
}

/** The Kaggle-weighted binary cross-entropy (any ×2) of slice scores [n, 6] against labels [n, 6]. */
export function weakLabelBce(labels: tf.Tensor2D, scores: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const eps = 1e-6;
    const q = tf.clipByValue(scores, eps, 1 - eps);
    const ll = tf.add(tf.mul(labels, tf.log(q)), tf.mul(tf.sub(1, labels), tf.log(tf.sub(1, q))));
    const w = tf.tensor1d(Array.from(KAGGLE_WEIGHTS, (v) => v / KAGGLE_WEIGHTS.reduce((a, b) => a + b, 0)));
    return tf.neg(tf.mean(tf.sum(tf.mul(ll, w), 1))) as tf.Scalar;
  });
}
