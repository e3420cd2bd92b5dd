/**
 * Connected bleed regions of one slice and the subtype each is given. With the localiser's
 * per-subtype map (subtype-map.ts) a region takes its channel argmax; without one (the stride-4
 * `blood.onnx` map has a single "blood" channel) a region's subtype is a rule over where it lies
 * and its shape (the radiologist's own first cut), not a learned output:
 * - thin (inscribed radius ≤ THIN_MM): subarachnoid (blood in sulci and cisterns);
 * - extra-axial (at least half its pixels within RIM_MM of the cavity edge, the inner table):
 *   a compact lens (area / (π r²) < LENS_ELONGATION, r the inscribed radius) is epidural, a long
 *   crescent subdural;
 * - intra-axial: a region bordered by CSF (at least VENTRICLE_CSF_SHARE of the pixels in a ring
 *   RING_MM around it read CSF_HU) lies in a ventricle: intraventricular; else intraparenchymal
 *   (a deep bleed near the midline alone is no ventricle: basal ganglia and thalamic bleeds sit there).
 */
import { HEMORRHAGE_SUBTYPES, type Subtype } from '../../core/subtypes.js';
import { labelComponents } from '../../preprocess/morphology.js';
import { assignRegionSubtypes, sumRegionChannels, type SubtypeMap } from './subtype-map.js';

export type HemorrhageSubtype = Exclude<Subtype, 'any'>;

/** Extra-axial when at least half of a region's pixels are this close (mm) to the cavity edge. */
export const RIM_MM = 5;
export const THIN_MM = 1.2;
export const LENS_ELONGATION = 4;
export const RING_MM = 2;
export const VENTRICLE_CSF_SHARE = 0.25;
/** CSF density range, HU. */
export const CSF_HU: readonly [number, number] = [-5, 18];

/**
 * City-block distance (pixels) of every pixel to the nearest pixel outside `inside` (two-pass
 * chamfer); pixels outside are 0.
 */
export function computeEdgeDistance(inside: Uint8Array, w: number, h: number): Uint16Array {
  const big = 65535;
  const d = new Uint16Array(w * h);
  for (let i = 0; i < w * h; i++) d[i] = inside[i] ? big : 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!d[i]) continue;
      const up = y > 0 ? (d[i - w] as number) : 0;
      const left = x > 0 ? (d[i - 1] as number) : 0;
      d[i] = Math.min(d[i] as number, up + 1, left + 1);
    }
  for (let y = h - 1; y >= 0; y--)
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (!d[i]) continue;
      const down = y < h - 1 ? (d[i + w] as number) : 0;
      const right = x < w - 1 ? (d[i + 1] as number) : 0;
      d[i] = Math.min(d[i] as number, down + 1, right + 1);
    }
  return d;
}

interface RegionStats {
  size: number;
  near: number;
  /** Largest distance to the region's own boundary, px at source resolution. */
  innerRadiusPx: number;
  /** Pixels in the ring around the region, and how many of them read CSF. */
  ring: number;
  ringCsf: number;
}

/**
 * The subtype rule (see the file comment) for one region; `extraAxial` (the localiser's channels'
 * say in 'hybrid' mode) replaces the rule's own extra-axial test when given.
 */
function classifyRegion(st: RegionStats, r: RegionInput, extraAxial?: boolean): HemorrhageSubtype {
  const mmPx = Math.sqrt(r.pixelAreaMm2);
  const radiusMm = st.innerRadiusPx * mmPx;
  if (extraAxial !== true && radiusMm <= THIN_MM) return 'subarachnoid';
  if (extraAxial ?? st.near * 2 >= st.size) {
    const elongation = (st.size * r.pixelAreaMm2) / (Math.PI * radiusMm * radiusMm);
    return elongation < LENS_ELONGATION ? 'epidural' : 'subdural';
  }
  return st.ring > 0 && st.ringCsf >= VENTRICLE_CSF_SHARE * st.ring ? 'intraventricular' : 'intraparenchymal';
}

export interface RegionInput {
  /** 0/1 bleed mask at source resolution (rows · cols). */
  mask: Uint8Array;
  rows: number;
  columns: number;
  /** Edge distance of the cavity at the model size, pixels there; and that size. */
  edgeDistance: Uint16Array;
  cavityW: number;
  cavityH: number;
  /** mm per model-size pixel (mean of both axes). */
  mmPerCavityPx: number;
  /** Source pixel area, mm². */
  pixelAreaMm2: number;
  minAreaMm2: number;
  /** HU at source resolution (rows · columns), for the CSF around a region. */
  hu: Float32Array;
  /** The localiser's per-subtype map of the slice: when given, a region's subtype is its channel argmax
   * ('channels', the default) or, in 'hybrid', the rule with the channels deciding extra- vs intra-axial. */
  subtypeMap?: SubtypeMap;
  subtypeMode?: 'channels' | 'hybrid';
}

/** The smallest window of rows · cols holding every 1 of `mask`, grown by `pad` (clamped); null when empty. */
function maskWindow(mask: Uint8Array, rows: number, cols: number, pad: number): { y0: number; x0: number; h: number; w: number } | null {
  let y0 = rows;
  let y1 = -1;
  let x0 = cols;
  let x1 = -1;
  for (let y = 0; y < rows; y++) {
    const row = y * cols;
    let first = -1;
    let last = -1;
    for (let x = 0; x < cols; x++)
      if (mask[row + x]) {
        if (first < 0) first = x;
        last = x;
      }
    if (first < 0) continue;
    if (y0 === rows) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
  }
  if (y1 < 0) return null;
  const ya = Math.max(0, y0 - pad);
  const xa = Math.max(0, x0 - pad);
  return { y0: ya, x0: xa, h: Math.min(rows, y1 + 1 + pad) - ya, w: Math.min(cols, x1 + 1 + pad) - xa };
}

/** The window's pixels of a rows × cols array. */
function cutWindow<T extends Uint8Array | Float32Array>(a: T, cols: number, win: { y0: number; x0: number; h: number; w: number }, make: (n: number) => T): T {
  const out = make(win.h * win.w);
  for (let y = 0; y < win.h; y++) out.set(a.subarray((win.y0 + y) * cols + win.x0, (win.y0 + y) * cols + win.x0 + win.w), y * win.w);
  return out;
}

/**
 * Subtype label map (rows · cols: 0 none, k = 1..5 → HEMORRHAGE_SUBTYPES[k − 1]) after dropping
 * regions below the minimum area. The work runs on the window around the mask's pixels (plus the
 * CSF ring): bleeds cover a few per cent of a 512² slice, and every step below is local to a region.
 */
export function labelRegions(r: RegionInput): Uint8Array {
  const out = new Uint8Array(r.rows * r.columns);
  const ringPx = Math.max(1, Math.round(RING_MM / Math.sqrt(r.pixelAreaMm2)));
  const win = maskWindow(r.mask, r.rows, r.columns, ringPx + 1);
  if (!win) return out;
  const sub = labelWindow(r, win, ringPx);
  for (let y = 0; y < win.h; y++) out.set(sub.subarray(y * win.w, (y + 1) * win.w), (win.y0 + y) * r.columns + win.x0);
  return out;
}

/** labelRegions on one window of the slice (window coordinates; the cavity lookups use the slice's). */
function labelWindow(whole: RegionInput, win: { y0: number; x0: number; h: number; w: number }, ringPx: number): Uint8Array {
  const r = { ...whole, rows: win.h, columns: win.w, mask: cutWindow(whole.mask, whole.columns, win, (n) => new Uint8Array(n)), hu: cutWindow(whole.hu, whole.columns, win, (n) => new Float32Array(n)) };
  const { labels, areas: sizes } = labelComponents(r.mask, r.rows, r.columns, 8);
  const stats: RegionStats[] = sizes.map((size) => ({ size, near: 0, innerRadiusPx: 0, ring: 0, ringCsf: 0 }));
  const inner = computeEdgeDistance(r.mask, r.columns, r.rows);
  const rimPx = RIM_MM / r.mmPerCavityPx;
  for (let y = 0; y < r.rows; y++) {
    const cy = Math.min(r.cavityH - 1, Math.floor(((win.y0 + y + 0.5) * r.cavityH) / whole.rows));
    for (let x = 0; x < r.columns; x++) {
      const i = y * r.columns + x;
      const id = labels[i] as number;
      if (!id) continue;
      const st = stats[id] as RegionStats;
      const cx = Math.min(r.cavityW - 1, Math.floor(((win.x0 + x + 0.5) * r.cavityW) / whole.columns));
      if ((r.edgeDistance[cy * r.cavityW + cx] as number) <= rimPx) st.near++;
      st.innerRadiusPx = Math.max(st.innerRadiusPx, inner[i] as number);
    }
  }
  // the ring: pixels within RING_MM outside a region (the nearest region claims a pixel once)
  const seen = new Int32Array(r.rows * r.columns);
  for (let y = 0; y < r.rows; y++)
    for (let x = 0; x < r.columns; x++) {
      const id = labels[y * r.columns + x] as number;
      if (!id || (inner[y * r.columns + x] as number) > 1) continue; // boundary pixels only
      for (let dy = -ringPx; dy <= ringPx; dy++)
        for (let dx = -ringPx; dx <= ringPx; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || xx < 0 || yy >= r.rows || xx >= r.columns) continue;
          const j = yy * r.columns + xx;
          if (labels[j] || seen[j] === id) continue;
          seen[j] = id;
          const st = stats[id] as RegionStats;
          st.ring++;
          const v = r.hu[j] as number;
          if (v >= (CSF_HU[0] as number) && v <= (CSF_HU[1] as number)) st.ringCsf++;
        }
    }
  const hybrid = r.subtypeMap !== undefined && r.subtypeMode === 'hybrid';
  const fromMap = r.subtypeMap && !hybrid ? assignRegionSubtypes(labels, whole.rows, whole.columns, sizes.length, r.subtypeMap, win) : undefined;
  // hybrid: extra-axial when the epidural + subdural channels outweigh the three intra-axial ones over the region
  const sums = r.subtypeMap && hybrid ? sumRegionChannels(labels, whole.rows, whole.columns, sizes.length, r.subtypeMap, win) : undefined;
  const code = new Uint8Array(sizes.length);
  for (let id = 1; id < sizes.length; id++) {
    const st = stats[id] as RegionStats;
    if (st.size * r.pixelAreaMm2 < r.minAreaMm2) continue;
    const c = (k: number): number => (sums ? (sums[id * 5 + k] as number) : 0);
    const extra = sums ? c(0) + c(4) > c(1) + c(2) + c(3) : undefined;
    code[id] = fromMap ? (fromMap[id] as number) : HEMORRHAGE_SUBTYPES.indexOf(classifyRegion(st, r, extra)) + 1;
  }
  const out = new Uint8Array(r.rows * r.columns);
  for (let i = 0; i < out.length; i++) out[i] = code[labels[i] as number] as number;
  return out;
}
