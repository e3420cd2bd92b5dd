/**
 * A per-pixel blood probability learnt from the synthetic masks (`ichscan synth` knows where it put
 * the blood), read from the model's 256 px window channels like the HU features: a logistic
 * regression on local density features of every cranial-cavity pixel — HU, 3×3 and 7×7 box means,
 * the 7×7 SD, the 3×3 and 7×7 means minus the 21×21 mean (a blob brighter than its surroundings),
 * the 3×3 mean minus the cavity's median HU (its own brain level), the squared
 * distance of the 3×3 / 7×7 means from 70 HU (blood is a density band, 50–90 HU, so a linear model
 * needs the squared term) and the depth inside the cavity (chamfer distance to its edge, capped at
 * 10 px). Its weights live in the model folder (`model.json` → `bloodPixels`), not in code.
 * Slice features: log(1 + number of cavity pixels with p > 0.5) — counted in pixels at the model's
 * 256 px input, because the preprocessed image no longer carries the pixel spacing (≈0.9 mm per
 * pixel for a 230 mm field) — and the maximum of p smoothed by a 5×5 box.
 */
import type { SliceCavity } from './hu-features.js';

export const BLOOD_PIXEL_FEATURE_NAMES = ['hu', 'mean3', 'mean7', 'sd7', 'mean3MinusMean21', 'band3', 'band7', 'depth', 'mean3MinusMedian', 'mean7MinusMean21'] as const;
export const BLOOD_PIXEL_FEATURES = BLOOD_PIXEL_FEATURE_NAMES.length;
export const BLOOD_SLICE_FEATURE_NAMES = ['bloodPixelsLog', 'bloodMaxSmoothP'] as const;
export const BLOOD_SLICE_FEATURES = BLOOD_SLICE_FEATURE_NAMES.length;
/** Radius (pixels at 256 px) of the box that smooths p before its maximum: single dense pixels (calcifications, the bone seam) average away. */
const SMOOTH_RADIUS = 2;

/** A fitted pixel model: p = sigmoid(x·weights + bias) on the raw pixel features (BLOOD_PIXEL_FEATURE_NAMES order). */
export interface BloodPixelModel {
  features: readonly string[];
  weights: readonly number[];
  bias: number;
}

/** Box mean of radius r (a (2r+1)² window clipped at the border) from an integral image. */
function boxMean(v: Float32Array, w: number, h: number, r: number): Float32Array {
  const W = w + 1;
  const ii = new Float64Array(W * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += v[y * w + x] as number;
      ii[(y + 1) * W + x + 1] = (ii[y * W + x + 1] as number) + row;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const s = (ii[y1 * W + x1] as number) - (ii[y0 * W + x1] as number) - (ii[y1 * W + x0] as number) + (ii[y0 * W + x0] as number);
      out[y * w + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/** City-block distance (pixels) of every mask pixel to the nearest pixel outside the mask (two passes). */
function chamferDepth(mask: Uint8Array, w: number, h: number): Float32Array {
  const big = w + h;
  const d = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!mask[i]) continue;
      const up = y > 0 ? (d[i - w] as number) : 0;
      const left = x > 0 ? (d[i - 1] as number) : 0;
      d[i] = Math.min(big, up + 1, left + 1);
    }
  for (let y = h - 1; y >= 0; y--)
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (!mask[i]) continue;
      const down = y < h - 1 ? (d[i + w] as number) : 0;
      const right = x < w - 1 ? (d[i + 1] as number) : 0;
      d[i] = Math.min(d[i] as number, down + 1, right + 1);
    }
  return d;
}

/** Median HU of the cavity's soft-tissue pixels (0–100 HU; 1-HU bins): the slice's own brain level, so a bleed is judged against its head. */
function cavityMedianHu(hu: Float32Array, mask: Uint8Array): number {
  const bins = new Float64Array(101);
  let total = 0;
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i] as number;
    if (!mask[i] || v < 0 || v > 100) continue;
    const b = Math.round(v);
    bins[b] = (bins[b] as number) + 1;
    total++;
  }
  let acc = 0;
  for (let b = 0; b <= 100; b++) {
    acc += bins[b] as number;
    if (acc >= total / 2) return b;
  }
  return 30;
}

/** Pixel features of every cavity pixel: `index` lists the pixels (row-major positions), `x` is [index.length, BLOOD_PIXEL_FEATURES]. */
export function computeBloodPixelFeatures(cav: SliceCavity): { index: Int32Array; x: Float32Array } {
  const { w, h, hu, cavityMask } = cav;
  const n = w * h;
  const sq = new Float32Array(n);
  for (let i = 0; i < n; i++) sq[i] = (hu[i] as number) ** 2;
  const m3 = boxMean(hu, w, h, 1);
  const m7 = boxMean(hu, w, h, 3);
  const q7 = boxMean(sq, w, h, 3);
  const m21 = boxMean(hu, w, h, 10);
  const depth = chamferDepth(cavityMask, w, h);
  let count = 0;
  for (let i = 0; i < n; i++) count += cavityMask[i] as number;
  const median = cavityMedianHu(hu, cavityMask);
  const index = new Int32Array(count);
  const x = new Float32Array(count * BLOOD_PIXEL_FEATURES);
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (!cavityMask[i]) continue;
    const a = m3[i] as number;
    const b = m7[i] as number;
    const o = j * BLOOD_PIXEL_FEATURES;
    x[o] = hu[i] as number;
    x[o + 1] = a;
    x[o + 2] = b;
    x[o + 3] = Math.sqrt(Math.max(0, (q7[i] as number) - b * b));
    x[o + 4] = a - (m21[i] as number);
    x[o + 5] = ((a - 70) / 20) ** 2;
    x[o + 6] = ((b - 70) / 20) ** 2;
    x[o + 7] = Math.min(10, depth[i] as number);
    x[o + 8] = a - median;
    x[o + 9] = b - (m21[i] as number);
    index[j++] = i;
  }
  return { index, x };
}

/** Blood probability of every pixel ([h·w]; 0 outside the cavity). */
export function computeBloodProbability(cav: SliceCavity, model: BloodPixelModel): Float32Array {
  if (model.weights.length !== BLOOD_PIXEL_FEATURES) throw new Error(`blood pixel model has ${model.weights.length} weights, expected ${BLOOD_PIXEL_FEATURES}`);
  const { index, x } = computeBloodPixelFeatures(cav);
  const p = new Float32Array(cav.w * cav.h);
  for (let j = 0; j < index.length; j++) {
    let s = model.bias;
    for (let f = 0; f < BLOOD_PIXEL_FEATURES; f++) s += (x[j * BLOOD_PIXEL_FEATURES + f] as number) * (model.weights[f] as number);
    p[index[j] as number] = 1 / (1 + Math.exp(-s));
  }
  return p;
}

/** The slice features (BLOOD_SLICE_FEATURE_NAMES order) from the blood probability map. */
export function computeBloodSliceFeatures(cav: SliceCavity, model: BloodPixelModel): Float32Array {
  const p = computeBloodProbability(cav, model);
  let above = 0;
  for (let i = 0; i < p.length; i++) if ((p[i] as number) > 0.5) above++;
  const smooth = boxMean(p, cav.w, cav.h, SMOOTH_RADIUS);
  let max = 0;
  for (let i = 0; i < p.length; i++) if (cav.cavityMask[i]) max = Math.max(max, smooth[i] as number);
  return Float32Array.from([Math.log1p(above), max]);
}
