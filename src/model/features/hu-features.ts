/**
 * Handcrafted intracranial density features of one preprocessed slice, read back from its window
 * channels (no second pass over the DICOM): blood is 50–90 HU, brain 20–45, CSF 0–15, bone >230.
 * HU comes from the subdural window (L80 W200: −20…180 HU, 0.78 HU per grey level) and bone from
 * the saturated soft-tissue window (L40 W380: ≥ 230 HU). The cranial cavity is approximated as
 * the pixels between the outermost bone pixels of their row AND of their column.
 * On rsna-dev such features separated bleeding slices better than pooled ImageNet CNN features
 * (measured: AUC 0.72 vs 0.64–0.77; notes/measured-facts.md), and they do not depend on texture
 * statistics a photo network learned. Shape: 20 features per slice (HU_FEATURE_NAMES order), plus
 * 4 series-context features per row in `computeHuFeatureRows`.
 */
import { ichError } from '../../core/errors.js';
import type { Image } from '../../core/tensor.js';
import type { WindowPreset } from '../../core/windows.js';
import type { Plane } from '../../core/tensor.js';
import { BLOOD_MAP_FEATURES, BLOOD_MAP_SERIES_FEATURES, computeBloodMapFeatures } from './blood-map.js';
import { computeSliceCavity, erode, type HuRegion } from './cavity.js';

export const HU_FEATURE_NAMES = [
  'cavityFraction',
  'boneFraction',
  'h0_10', 'h10_20', 'h20_30', 'h30_40', 'h40_50', 'h50_60', 'h60_70', 'h70_80', 'h80_90', 'h90_100',
  'blood50_90', 'blood60_90', 'peripheralBlood', 'centralBlood', 'meanHu', 'sdHu', 'solidBlood50_90', 'solidBlood60_90',
] as const;
export const HU_FEATURES = HU_FEATURE_NAMES.length;

/** Distance (pixels at the model's input size) from the cavity edge within which blood counts as peripheral. */
const RIM = 6;

/** The 20 features of one slice (uint8 HWC image whose channels are `windows`), followed by the
 * blood map's slice features (blood-map.ts) when the segmenter's map of the slice is given. */
export function computeHuFeatures(img: Image<'uint8'>, windows: readonly WindowPreset[], bloodMap?: Plane, region: HuRegion = 'frame'): Float32Array {
  const cav = computeSliceCavity(img, windows);
  const { w, h, hu, boneCount } = cav;
  const cavityMask = region === 'cavity' ? cav.cavityMask : cav.featureMask;
  const n = h * w;
  const rowLo = new Int32Array(h).fill(w);
  const rowHi = new Int32Array(h).fill(-1);
  const colLo = new Int32Array(w).fill(h);
  const colHi = new Int32Array(w).fill(-1);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!cavityMask[y * w + x]) continue;
      rowLo[y] = Math.min(rowLo[y] as number, x);
      rowHi[y] = Math.max(rowHi[y] as number, x);
      colLo[x] = Math.min(colLo[x] as number, y);
      colHi[x] = Math.max(colHi[x] as number, y);
    }
  // distance to bone along rows/columns (a cheap proxy of the distance to the inner table)
  const hist = new Float64Array(10);
  let cavity = 0;
  let b5090 = 0;
  let b6090 = 0;
  let rim = 0;
  let rimBlood = 0;
  let centre = 0;
  let centreBlood = 0;
  let sum = 0;
  let sum2 = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!cavityMask[i]) continue;
      const v = hu[i] as number;
      if (v < -5 || v > 100) continue;
      cavity++;
      sum += v;
      sum2 += v * v;
      const bin = Math.min(9, Math.max(0, Math.floor(v / 10)));
      hist[bin] = (hist[bin] as number) + 1;
      const blood = v >= 50 && v <= 90;
      if (blood) b5090++;
      if (v >= 60 && v <= 90) b6090++;
      const edge = Math.min(x - (rowLo[y] as number), (rowHi[y] as number) - x, y - (colLo[x] as number), (colHi[x] as number) - y);
      if (edge <= RIM) {
        rim++;
        if (blood) rimBlood++;
      } else {
        centre++;
        if (blood) centreBlood++;
      }
    }
  const f = new Float32Array(HU_FEATURES + (bloodMap ? BLOOD_MAP_FEATURES : 0));
  const k = Math.max(1, cavity);
  f[0] = cavity / n;
  f[1] = boneCount / n;
  for (let b = 0; b < 10; b++) f[2 + b] = (hist[b] as number) / k;
  f[12] = b5090 / k;
  f[13] = b6090 / k;
  f[14] = rimBlood / Math.max(1, rim);
  f[15] = centreBlood / Math.max(1, centre);
  f[16] = cavity ? sum / cavity : 0;
  f[17] = cavity ? Math.sqrt(Math.max(0, sum2 / cavity - (sum / cavity) ** 2)) : 0;
  // "solid" blood: cavity pixels whose whole 3×3 neighbourhood is in the blood range — noise and
  // the partial-volume seam along bone make single pixels read 50–90 HU, a block of them rarely
  const b1 = new Uint8Array(n);
  const b2 = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = hu[i] as number;
    b1[i] = cavityMask[i] && v >= 50 && v <= 90 ? 1 : 0;
    b2[i] = cavityMask[i] && v >= 60 && v <= 90 ? 1 : 0;
  }
  const s1 = erode(b1, w, h, 1);
  const s2 = erode(b2, w, h, 1);
  let c1 = 0;
  let c2 = 0;
  for (let i = 0; i < n; i++) {
    c1 += s1[i] as number;
    c2 += s2[i] as number;
  }
  f[18] = Math.sqrt(c1 / k);
  f[19] = Math.sqrt(c2 / k);
  if (bloodMap) f.set(computeBloodMapFeatures(cav, bloodMap, region), HU_FEATURES);
  return f;
}

/** Per-slice features (20) followed by series context: relative position in the series, and the
 * series' max and mean blood fraction and max peripheral blood fraction (4) — a bleed is judged
 * against the rest of its own head, which also absorbs scanner-level HU offsets. */
export const SERIES_FEATURES = 4;
export const HU_ROW_FEATURES = HU_FEATURES + SERIES_FEATURES;

/** Columns per row: 20 slice features, [3 blood-map slice features], 4 series features, [1 blood-map series feature]. */
export function countHuRowFeatures(withBloodMap = false): number {
  return HU_FEATURES + SERIES_FEATURES + (withBloodMap ? BLOOD_MAP_FEATURES + BLOOD_MAP_SERIES_FEATURES : 0);
}

/** Features of the z-ordered slices of one series, row-major [n, countHuRowFeatures(bloodMaps given)];
 * `bloodMaps` are the segmenter's maps of the same slices, same order. */
export function computeHuFeatureRows(images: readonly Image<'uint8'>[], windows: readonly WindowPreset[], bloodMaps?: readonly Plane[], region: HuRegion = 'frame'): Float32Array {
  const n = images.length;
  if (bloodMaps && bloodMaps.length !== n) throw ichError('ICH_E_INTERNAL', `${bloodMaps.length} blood maps for ${n} slices`);
  const per = images.map((im, i) => computeHuFeatures(im, windows, bloodMaps?.[i], region));
  const R = countHuRowFeatures(bloodMaps !== undefined);
  const S = HU_FEATURES + (bloodMaps ? BLOOD_MAP_FEATURES : 0);
  let maxMapP = 0;
  if (bloodMaps) for (const f of per) maxMapP = Math.max(maxMapP, f[HU_FEATURES + 1] as number);
  let maxBlood = 0;
  let meanBlood = 0;
  let maxRim = 0;
  for (const f of per) {
    maxBlood = Math.max(maxBlood, f[12] as number);
    meanBlood += (f[12] as number) / Math.max(1, n);
    maxRim = Math.max(maxRim, f[14] as number);
  }
  const out = new Float32Array(n * R);
  per.forEach((f, i) => {
    out.set(f, i * R);
    const o = i * R + S;
    out[o] = n > 1 ? i / (n - 1) : 0.5;
    out[o + 1] = maxBlood;
    out[o + 2] = meanBlood;
    out[o + 3] = maxRim;
    if (bloodMaps) out[o + 4] = maxMapP;
  });
  return out;
}

/** Columns of a row of computeHuFeatureRows (with a blood map) that come from the map: 3 slice features, then the series one. */
export const BLOOD_MAP_COLUMNS = [HU_FEATURES, HU_FEATURES + 1, HU_FEATURES + 2, HU_FEATURES + BLOOD_MAP_FEATURES + SERIES_FEATURES] as const;

/** Features per row with a second blood map beside the first (joinSecondMapColumns). */
export const SECOND_MAP_ROW_FEATURES = countHuRowFeatures(true) + BLOOD_MAP_COLUMNS.length;

/** Appends four map columns per slice ([n, 4]: 3 slice + 1 series feature of a second map) to rows [n, 28] → [n, 32]. */
export function appendSecondMapColumns(rows: Float32Array, mapColumns: Float32Array, n: number): Float32Array {
  const R = countHuRowFeatures(true);
  const K = BLOOD_MAP_COLUMNS.length;
  if (rows.length !== n * R || mapColumns.length !== n * K) throw ichError('ICH_E_INTERNAL', `rows of ${rows.length} and map columns of ${mapColumns.length} values for ${n} slices`);
  const W = SECOND_MAP_ROW_FEATURES;
  const out = new Float32Array(n * W);
  for (let i = 0; i < n; i++) {
    out.set(rows.subarray(i * R, (i + 1) * R), i * W);
    out.set(mapColumns.subarray(i * K, (i + 1) * K), i * W + R);
  }
  return out;
}

/**
 * A second map's four columns per slice [n, 4], straight from the maps: blood-map.ts's 3 slice
 * features over the (memoised) cavity and the series' max smoothed probability — the values
 * computeHuFeatureRows would put in BLOOD_MAP_COLUMNS, without its HU pass again.
 */
export function computeSecondMapColumns(images: readonly Image<'uint8'>[], windows: readonly WindowPreset[], maps: readonly Plane[], region: HuRegion = 'frame'): Float32Array {
  const n = images.length;
  if (maps.length !== n) throw ichError('ICH_E_INTERNAL', `${maps.length} blood maps for ${n} slices`);
  const K = BLOOD_MAP_COLUMNS.length;
  const out = new Float32Array(n * K);
  let maxSmooth = 0;
  images.forEach((im, i) => {
    const f = computeBloodMapFeatures(computeSliceCavity(im, windows), maps[i] as Plane, region);
    out.set(f, i * K);
    maxSmooth = Math.max(maxSmooth, f[1] as number);
  });
  for (let i = 0; i < n; i++) out[i * K + K - 1] = maxSmooth;
  return out;
}

/**
 * Rows of the same slices computed with two blood maps, [n, 28] each → [n, 32]: all of `a`, then
 * the four map columns of `b` (its HU and series columns are `a`'s again). Training joins its
 * cached embeddings this way; the scorer gets the same columns from computeSecondMapColumns.
 */
export function joinSecondMapColumns(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const R = countHuRowFeatures(true);
  if (b.length !== n * R) throw ichError('ICH_E_INTERNAL', `rows of ${a.length} and ${b.length} values for ${n} slices of ${R}`);
  const K = BLOOD_MAP_COLUMNS.length;
  const cols = new Float32Array(n * K);
  for (let i = 0; i < n; i++) BLOOD_MAP_COLUMNS.forEach((c, j) => (cols[i * K + j] = b[i * R + c] as number));
  return appendSecondMapColumns(a, cols, n);
}
