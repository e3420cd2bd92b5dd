/**
 * Where the bleed is on one slice, at the source's Rows × Columns: a pixel is hemorrhage when it
 * lies in the cranial cavity, its HU is in the blood range and the blood segmenter's map (when the
 * model has one) says blood there. The cavity and the map come at the model's input size (256 px;
 * the map at stride 4), the HU at full resolution, so edges follow the real HU boundary rather
 * than the map's 4-px cells. Without a segmenter the rule is the plain HU threshold inside the
 * cavity (the baseline the model card compares against).
 * Why an AND of map and HU: on held-back real CT the synthetic-trained map alone drew 3–8× the
 * true blood area; the HU range removes brain and CSF pixels the map covers, the map removes the
 * partial-volume seam and calcification a threshold alone keeps.
 */
import type { Plane } from '../../core/tensor.js';
import { erode, type SliceCavity } from '../../model/features/cavity.js';

export interface BleedMaskParams {
  /** Minimum segmenter probability (bilinearly upsampled map). */
  mapThreshold: number;
  /** Blood HU range, inclusive. */
  huLow: number;
  huHigh: number;
  /** Connected regions smaller than this (mm²) are dropped as noise. */
  minAreaMm2: number;
  /** Pixels (at the model size) the cavity is grown back toward the inner table, so extra-axial blood is kept. */
  cavityGrowPx: number;
}

/** Chosen on held-out synthetic studies (seed 505), see docs/model-card.md "Localisation". */
export const DEFAULT_BLEED_MASK_PARAMS: Readonly<BleedMaskParams> = Object.freeze({ mapThreshold: 0.5, huLow: 45, huHigh: 95, minAreaMm2: 6, cavityGrowPx: 3 });

/**
 * Binary dilation by r pixels with a square element, 1 inside: the complement of the erosion of
 * the complement (pixels outside the image are 0 in `m`, so 1 in its complement), O(n) whatever r.
 */
export function dilateMask(m: Uint8Array, w: number, h: number, r: number): Uint8Array {
  if (r <= 0) return m.slice(); // callers may write into the result
  const inv = new Uint8Array(w * h);
  for (let i = 0; i < inv.length; i++) inv[i] = m[i] ? 0 : 1;
  const e = erode(inv, w, h, r, 1);
  for (let i = 0; i < e.length; i++) e[i] = e[i] ? 0 : 1;
  return e;
}

/** The cavity at the model size, grown back by `grow` px but never onto bone. */
export function growCavity(cav: SliceCavity, grow: number): Uint8Array {
  const g = dilateMask(cav.cavityMask, cav.w, cav.h, grow);
  for (let i = 0; i < g.length; i++) if (cav.bone[i]) g[i] = 0;
  return g;
}

/** Bilinear sample of a [mh, mw] map at source pixel centre (y, x) of a rows × cols image. */
function sampleMap(map: Plane, y: number, x: number, rows: number, cols: number): number {
  const [mh, mw] = map.shape;
  const u = ((y + 0.5) * mh) / rows - 0.5;
  const v = ((x + 0.5) * mw) / cols - 0.5;
  const y0 = Math.max(0, Math.min(mh - 1, Math.floor(u)));
  const x0 = Math.max(0, Math.min(mw - 1, Math.floor(v)));
  const y1 = Math.min(mh - 1, y0 + 1);
  const x1 = Math.min(mw - 1, x0 + 1);
  const fy = Math.max(0, Math.min(1, u - y0));
  const fx = Math.max(0, Math.min(1, v - x0));
  const d = map.data;
  const a = (d[y0 * mw + x0] as number) * (1 - fx) + (d[y0 * mw + x1] as number) * fx;
  const b = (d[y1 * mw + x0] as number) * (1 - fx) + (d[y1 * mw + x1] as number) * fx;
  return a * (1 - fy) + b * fy;
}

/**
 * The 0/1 bleed mask (rows·cols bytes) of one slice. `hu` is the slice at source resolution,
 * `cavity` the grown cavity at the model size (cw × ch), `map` the segmenter's map or undefined.
 */
export function computeBleedMask(hu: Plane, cavity: { mask: Uint8Array; w: number; h: number }, map: Plane | undefined, p: BleedMaskParams): Uint8Array {
  const [rows, cols] = hu.shape;
  const out = new Uint8Array(rows * cols);
  const { w: cw, h: ch } = cavity;
  for (let y = 0; y < rows; y++) {
    const cy = Math.min(ch - 1, Math.floor(((y + 0.5) * ch) / rows));
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      const v = hu.data[i] as number;
      if (v < p.huLow || v > p.huHigh) continue;
      const cx = Math.min(cw - 1, Math.floor(((x + 0.5) * cw) / cols));
      if (!cavity.mask[cy * cw + cx]) continue;
      if (map && sampleMap(map, y, x, rows, cols) < p.mapThreshold) continue;
      out[i] = 1;
    }
  }
  return out;
}
