/**
 * Anatomy of one real CT slice found from its HU alone, for placing lesions:
 * - bone: HU > 300 (the skull; its inner table bounds the cranial cavity);
 * - cranial cavity: soft tissue and CSF (−60 … 100 HU) enclosed by bone — the region a flood from
 *   the image border cannot reach once gaps under 5 mm in the bone (sutures, foramina, thin temporal
 *   squama; wider ones at the base) are closed, and air next to bone (sinuses, mastoid cells)
 *   is a barrier too; the largest such region. Pixels of 100–300 HU (the inner table's partial
 *   volume, calcified falx or choroid plexus) are not cavity, so blood never erases bone edges;
 * - depth: mm from the cavity's outer border (≈ the inner table at the convexity; holes such as
 *   calcifications do not count);
 * - ventricles: components of pure CSF (−5 … 12 HU, 5×5 mean, eroded 1.2 mm) more than 18 mm deep
 *   on average, near the midline and the centre, grown back into CSF-like (< 20 HU) pixels;
 * - the slice's noise SD and typical brain HU, from parenchyma pixels (15 … 50 HU, > 10 mm deep);
 * - centroid and principal axis of the cavity (the midline runs along the long, anteroposterior axis).
 */
import { boxMean, distanceFrom, floodFromBorder, labelComponents, largestComponent } from '../../preprocess/morphology.js';
import type { SliceFrame } from './slice-frame.js';

/** HU above which a pixel is bone. */
export const BONE_HU = 300;
/**
 * Gaps in the skull narrower than twice this (mm) are closed before the flood from outside; the
 * first radius whose cavity is at least 70 % of the largest found wins (wider ones only at the base).
 */
const CLOSE_MM = [2.5, 5, 8] as const;
/** Cavity HU range: CSF, brain and blood; not fat/air (below) nor bone partial volume (above). */
const CAVITY_MIN_HU = -60;
const CAVITY_MAX_HU = 100;
/** Air (HU below) this close to bone (mm) belongs to sinuses or mastoid air cells. */
const AIR_HU = -200;
const AIR_CELL_MM = 4;

export interface SliceAnatomy {
  frame: SliceFrame;
  /** HU of the source slice (after the RSNA 12-bit fix and padding → −1024). */
  hu: Float32Array;
  /** 3×3 mean HU (thresholds on it are robust to pixel noise). */
  smooth: Float32Array;
  cavity: Uint8Array;
  /** mm to the nearest non-cavity pixel; 0 outside the cavity. */
  depth: Float32Array;
  ventricle: Uint8Array;
  summary: AnatomySummary;
}

/** What the planner needs of a slice without keeping its pixels. */
export interface AnatomySummary {
  /** Cavity area, mm². */
  cavityMm2: number;
  ventricleMm2: number;
  /** Cavity centroid (a, b) in the series frame, mm, and its long-axis angle (rad, from +a). */
  centroid: [number, number];
  axisAngle: number;
  /** Half-lengths of the cavity along its long and short axes, mm (2 SD of the pixel positions). */
  halfLengths: [number, number];
  /** Ventricle centroid (a, b), mm; undefined without ventricles. */
  ventricleCentroid: [number, number] | undefined;
  /** Median parenchyma HU and noise SD (HU, robust: 1.4826 · MAD of HU minus its 5×5 mean). */
  brainHu: number;
  noiseSd: number;
}

/** Signed distances (mm) of a point (a, b) from the cavity's midline (lat) and from its centre along it (ap). */
export function toMidline(shape: { ca: number; cb: number; axisAngle: number }, a: number, b: number): { lat: number; ap: number } {
  const cos = Math.cos(shape.axisAngle);
  const sin = Math.sin(shape.axisAngle);
  const pa = a - shape.ca;
  const pb = b - shape.cb;
  return { lat: -sin * pa + cos * pb, ap: cos * pa + sin * pb };
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  values.sort((p, q) => p - q);
  return values[values.length >> 1] as number;
}

/**
 * The cavity for one closing radius: pixels the flood from the border cannot reach once bone is
 * dilated by `closeMm` (and air next to bone — sinuses, mastoid cells, open to the outside through
 * nose and ears — is a barrier too), grown back to the inner table; the largest component.
 */
function enclosedRegion(hu: Float32Array, fromBone: Float32Array, frame: SliceFrame, closeMm: number): { cavity: Uint8Array; area: number } {
  const { rows, cols, dx, dy } = frame;
  const n = rows * cols;
  const open = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const d = fromBone[k] as number;
    open[k] = d > closeMm && !(d <= AIR_CELL_MM && (hu[k] as number) < AIR_HU) ? 1 : 0;
  }
  const outside = floodFromBorder(open, rows, cols);
  const core = new Uint8Array(n);
  for (let k = 0; k < n; k++) core[k] = open[k] && !outside[k] ? 1 : 0;
  const fromCore = distanceFrom(core, rows, cols, dx, dy);
  const reach = closeMm + Math.max(dx, dy);
  const candidate = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const h = hu[k] as number;
    candidate[k] = (fromCore[k] as number) <= reach && h > CAVITY_MIN_HU && h < CAVITY_MAX_HU ? 1 : 0;
  }
  const cavity = largestComponent(candidate, rows, cols);
  let area = 0;
  for (let k = 0; k < n; k++) area += cavity[k] as number;
  return { cavity, area };
}

/** Finds the anatomy of one slice; see the module comment. Never throws: an empty cavity means "no brain here". */
export function findSliceAnatomy(hu: Float32Array, frame: SliceFrame): SliceAnatomy {
  const { rows, cols, dx, dy } = frame;
  const n = rows * cols;
  const bone = new Uint8Array(n);
  for (let k = 0; k < n; k++) bone[k] = (hu[k] as number) > BONE_HU ? 1 : 0;
  const fromBone = distanceFrom(bone, rows, cols, dx, dy);
  // Close gaps of growing size until the cavity stops leaking: at the skull base the orbits and
  // foramina connect it to the outside through gaps wider than the sutures of the vault.
  // Usually the narrowest closing holds (vault slices); only when it loses more than 30 % of the
  // cavity the widest finds is the middle one tried too.
  const narrow = enclosedRegion(hu, fromBone, frame, CLOSE_MM[0]);
  const wide = enclosedRegion(hu, fromBone, frame, CLOSE_MM[2]);
  let cavity = narrow.cavity;
  if (narrow.area < 0.7 * wide.area) {
    const middle = enclosedRegion(hu, fromBone, frame, CLOSE_MM[1]);
    cavity = middle.area >= 0.7 * wide.area ? middle.cavity : wide.cavity;
  }
  // Depth is measured to the cavity's outer border: holes in it (calcified choroid plexus or
  // pineal, > 100 HU) are filled first, or "near the inner table" would ring them.
  const notCavity = new Uint8Array(n);
  for (let k = 0; k < n; k++) notCavity[k] = cavity[k] ? 0 : 1;
  const beyond = floodFromBorder(notCavity, rows, cols);
  const depth = distanceFrom(beyond, rows, cols, dx, dy);
  for (let k = 0; k < n; k++) if (!cavity[k]) depth[k] = 0;
  const smooth = boxMean(hu, rows, cols, 1);
  const smooth5 = boxMean(hu, rows, cols, 2);

  // Moments of the cavity (mm, series frame).
  let m0 = 0, ma = 0, mb = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      if (cavity[r * cols + c]) {
        m0++;
        ma += frame.a0 + c * dx;
        mb += frame.b0 + r * dy;
      }
  const ca = m0 ? ma / m0 : frame.a0 + (cols / 2) * dx;
  const cb = m0 ? mb / m0 : frame.b0 + (rows / 2) * dy;
  let saa = 0, sbb = 0, sab = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      if (cavity[r * cols + c]) {
        const pa = frame.a0 + c * dx - ca;
        const pb = frame.b0 + r * dy - cb;
        saa += pa * pa;
        sbb += pb * pb;
        sab += pa * pb;
      }
  if (m0) {
    saa /= m0;
    sbb /= m0;
    sab /= m0;
  }
  const axisAngle = 0.5 * Math.atan2(2 * sab, saa - sbb);
  const tr = (saa + sbb) / 2;
  const disc = Math.sqrt(Math.max(0, ((saa - sbb) / 2) ** 2 + sab * sab));
  const halfLengths: [number, number] = [2 * Math.sqrt(tr + disc), 2 * Math.sqrt(Math.max(0, tr - disc))];

  // Parenchyma statistics from a regular sample (every 3rd pixel each way).
  const brain: number[] = [];
  const resid: number[] = [];
  for (let r = 0; r < rows; r += 3)
    for (let c = 0; c < cols; c += 3) {
      const k = r * cols + c;
      const s = smooth[k] as number;
      if (cavity[k] && (depth[k] as number) > 10 && s > 15 && s < 50) {
        brain.push(s);
        resid.push((hu[k] as number) - (smooth5[k] as number));
      }
    }
  const brainHu = brain.length ? median(brain) : 30;
  const mid = median(resid.slice());
  // 1.4826 · MAD = SD for Gaussian noise; √(25/24) undoes subtracting a mean that includes the pixel.
  const noiseSd = resid.length ? 1.4826 * median(resid.map((x) => Math.abs(x - mid))) * Math.sqrt(25 / 24) : 4;

  const ventricle = findVentricles(frame, cavity, depth, smooth, smooth5, { ca, cb, axisAngle, halfLengths });
  let vn = 0, va = 0, vb = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      if (ventricle[r * cols + c]) {
        vn++;
        va += frame.a0 + c * dx;
        vb += frame.b0 + r * dy;
      }
  return {
    frame,
    hu,
    smooth,
    cavity,
    depth,
    ventricle,
    summary: {
      cavityMm2: m0 * dx * dy,
      ventricleMm2: vn * dx * dy,
      centroid: [ca, cb],
      axisAngle,
      halfLengths,
      ventricleCentroid: vn ? [va / vn, vb / vn] : undefined,
      brainHu,
      noiseSd: Number.isFinite(noiseSd) && noiseSd > 0.5 ? noiseSd : 4,
    },
  };
}

/** mm of erosion that separates ventricles from CSF-like tissue touching them. */
const ERODE_MM = 1.2;

/** Ventricles: deep, central components of eroded pure CSF, grown back into CSF-like (< 20 HU) pixels. */
function findVentricles(
  frame: SliceFrame,
  cavity: Uint8Array,
  depth: Float32Array,
  smooth: Float32Array,
  smooth5: Float32Array,
  shape: { ca: number; cb: number; axisAngle: number; halfLengths: [number, number] },
): Uint8Array {
  const { rows, cols, dx, dy } = frame;
  const n = rows * cols;
  // Pure CSF (5×5 mean −5…12 HU), eroded by ERODE_MM so thin bridges of CSF-like tissue (an old
  // infarct or oedema touching a ventricle) do not join it to the ventricle.
  const notCsf = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const s = smooth5[k] as number;
    notCsf[k] = cavity[k] && (depth[k] as number) > 10 && s > -5 && s < 12 ? 0 : 1;
  }
  const fromNotCsf = distanceFrom(notCsf, rows, cols, dx, dy);
  const csf = new Uint8Array(n);
  for (let k = 0; k < n; k++) csf[k] = (fromNotCsf[k] as number) > ERODE_MM ? 1 : 0;
  const comps = labelComponents(csf, rows, cols);
  const sumA = new Float64Array(comps.count + 1);
  const sumB = new Float64Array(comps.count + 1);
  const sumDepth = new Float64Array(comps.count + 1);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const l = comps.labels[r * cols + c] as number;
      if (!l) continue;
      sumA[l] = (sumA[l] as number) + frame.a0 + c * dx;
      sumB[l] = (sumB[l] as number) + frame.b0 + r * dy;
      sumDepth[l] = (sumDepth[l] as number) + (depth[r * cols + c] as number);
    }
  const keep = new Uint8Array(comps.count + 1);
  for (let l = 1; l <= comps.count; l++) {
    const area = comps.areas[l] as number;
    if (area * dx * dy < 8) continue;
    const { lat, ap } = toMidline(shape, (sumA[l] as number) / area, (sumB[l] as number) / area);
    // Ventricles straddle the midline: lateral ventricles' bodies and the third ventricle lie
    // within ~20 mm of it; a hypodense lesion or a wide Sylvian fissure lies further out.
    if (Math.abs(lat) < 0.3 * shape.halfLengths[1] && Math.abs(ap) < 0.6 * shape.halfLengths[0] && (sumDepth[l] as number) / area > 18) keep[l] = 1;
  }
  const seed = new Uint8Array(n);
  for (let k = 0; k < n; k++) seed[k] = keep[comps.labels[k] as number] ? 1 : 0;
  const fromSeed = distanceFrom(seed, rows, cols, dx, dy);
  const out = new Uint8Array(n);
  // Grown back over the erosion and 1.5 mm beyond, into pixels that are still CSF-like (the
  // partial-volume wall).
  for (let k = 0; k < n; k++) out[k] = cavity[k] && (fromSeed[k] as number) <= ERODE_MM + 1.5 && (smooth[k] as number) < 20 ? 1 : 0;
  return out;
}
