/**
 * Slice features from a blood probability map: the output of the blood segmenter (`bleedseg`,
 * `blood.onnx` in the model folder, trained on synthetic masks), one cell per stride × stride block
 * of the model's input. Only cells that touch the cranial cavity count (computeSliceCavity): a scalp
 * haematoma or the sinuses are outside it. Three features per slice (BLOOD_MAP_FEATURE_NAMES):
 * - bloodCellsLog: log(1 + number of cavity cells with p > 0.5), a log blood area;
 * - bloodMaxSmoothP: max over the cavity of p averaged over 3×3 cells (one hot cell averages away);
 * - bloodMassLog: log(1 + Σ p over cavity cells), the soft area, graded for small bleeds;
 * and one series feature: the series' max of bloodMaxSmoothP (a bleed anywhere in the head).
 */
import type { Plane } from '../../core/tensor.js';
import type { HuRegion, SliceCavity } from './cavity.js';

export const BLOOD_MAP_FEATURE_NAMES = ['bloodCellsLog', 'bloodMaxSmoothP', 'bloodMassLog'] as const;
export const BLOOD_MAP_FEATURES = BLOOD_MAP_FEATURE_NAMES.length;
export const BLOOD_MAP_SERIES_FEATURES = 1;

/** Per cell: 1 when any pixel of its block lies in the features' region (cavity.ts, HuRegion). */
export function computeCavityCells(cav: SliceCavity, mh: number, mw: number, region: HuRegion = 'frame'): Uint8Array {
  const mask = region === 'cavity' ? cav.cavityMask : cav.featureMask;
  const sy = cav.h / mh;
  const sx = cav.w / mw;
  const out = new Uint8Array(mh * mw);
  for (let y = 0; y < cav.h; y++)
    for (let x = 0; x < cav.w; x++) if (mask[y * cav.w + x]) out[Math.floor(y / sy) * mw + Math.floor(x / sx)] = 1;
  return out;
}

/** The slice features (BLOOD_MAP_FEATURE_NAMES order) of one probability map [mh, mw]. */
export function computeBloodMapFeatures(cav: SliceCavity, map: Plane, region: HuRegion = 'frame'): Float32Array {
  const [mh, mw] = map.shape;
  const p = map.data;
  const inside = computeCavityCells(cav, mh, mw, region);
  let cells = 0;
  let mass = 0;
  let maxSmooth = 0;
  for (let y = 0; y < mh; y++)
    for (let x = 0; x < mw; x++) {
      const i = y * mw + x;
      if (!inside[i]) continue;
      const v = p[i] as number;
      if (v > 0.5) cells++;
      mass += v;
      // 3×3 mean over in-cavity cells (outside cells count as 0, so a lone rim cell is damped too)
      let s = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= mh || xx < 0 || xx >= mw) continue;
          const j = yy * mw + xx;
          if (inside[j]) s += p[j] as number;
        }
      maxSmooth = Math.max(maxSmooth, s / 9);
    }
  return Float32Array.from([Math.log1p(cells), maxSmooth, Math.log1p(mass)]);
}
