/**
 * Rasterises a lesion (lesion-types.ts) on one slice: the share α ∈ [0, 1] of each pixel's voxel
 * that is blood. α averages the 3-D shape over SUB_PLANES planes across the slice thickness (the
 * through-plane partial volume that makes a bleed fade at its top and bottom slices) and has soft
 * in-plane edges one pixel wide. Shapes are confined to where the subtype can be, per slice:
 * - epidural / subdural: cavity pixels closer to the inner table than the local thickness,
 *   thickness ∝ 1 − q (lens) or √(1 − q²) (crescent) with q the squared normalised distance from
 *   the centre along the arc and along s; subdurals stop 1 mm short of the midline (the falx);
 * - intraparenchymal: a lobulated ellipsoid over cavity pixels that are not ventricle, with a
 *   rim of oedema around it (`rasteriseOedema`);
 * - intraventricular: ventricle pixels inside an ellipsoid, beyond a fluid level or filled,
 *   weighted by the pixel's CSF share (partial volume at the ventricle wall);
 * - subarachnoid: the CSF share of non-ventricle cavity pixels (sulci, fissures, cisterns) inside a
 *   noisy ball, at most `maxDepth` from the inner table — thin and serpiginous because sulci are.
 * CSF share = (brain HU − 3×3 mean HU) / (brain HU − 5), clamped to [0, 1].
 */
import { wrapPi } from '../angles.js';
import { cachedNoise } from '../noise.js';
import { toMidline, type SliceAnatomy } from './anatomy.js';
import type { HeadAxis, Lesion } from './lesion-types.js';

/** Planes sampled across the slice thickness. */
export const SUB_PLANES = 5;
/** HU of CSF for the CSF share. */
const CSF_HU = 5;

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/**
 * Perihematomal oedema of an intraparenchymal lesion on one slice: per pixel the share of the
 * voxel in the rim of width `oedemaMm` outside the blood (fading outwards), over brain that is not
 * ventricle; undefined without oedema there.
 */
export function rasteriseOedema(lesion: Lesion, anat: SliceAnatomy, thickness: number): Float32Array | undefined {
  if (lesion.subtype !== 'intraparenchymal' || lesion.oedemaMm <= 0) return undefined;
  const { frame } = anat;
  const { rows, cols, dx, dy, a0, b0 } = frame;
  const planes = Array.from({ length: SUB_PLANES }, (_, j) => frame.s + thickness * ((j + 0.5) / SUB_PLANES - 0.5));
  const [ca, cb, cs] = lesion.centre;
  const [r1, r2, r3] = lesion.radii;
  const rMin = Math.min(r1, r2, r3);
  const reach = Math.max(r1, r2) * (1 + lesion.lobulation) + lesion.oedemaMm + dx;
  const cos = Math.cos(lesion.angle);
  const sin = Math.sin(lesion.angle);
  const noise = cachedNoise(lesion.noiseSeed);
  const out = new Float32Array(rows * cols);
  let any = false;
  for (let r = 0; r < rows; r++) {
    const b = b0 + r * dy;
    if (Math.abs(b - cb) > reach) continue;
    for (let c = 0; c < cols; c++) {
      const k = r * cols + c;
      const a = a0 + c * dx;
      if (!anat.cavity[k] || anat.ventricle[k] || Math.abs(a - ca) > reach) continue;
      const x = (cos * (a - ca) + sin * (b - cb)) / r1;
      const y = (-sin * (a - ca) + cos * (b - cb)) / r2;
      let v = 0;
      for (const s of planes) {
        const z = (s - cs) / r3;
        const d = (Math.sqrt(x * x + y * y + z * z) - (1 + lesion.lobulation * noise(a / 6, b / 6, s / 6))) * rMin; // mm outside the blood
        if (d > 0 && d < lesion.oedemaMm) v += 1 - d / lesion.oedemaMm;
      }
      if (v > 0) {
        out[k] = v / SUB_PLANES;
        any = true;
      }
    }
  }
  return any ? out : undefined;
}

/**
 * α of `lesion` on the slice of `anat` (thickness mm); undefined when it does not reach the slice.
 */
export function rasteriseLesion(lesion: Lesion, anat: SliceAnatomy, head: HeadAxis, thickness: number): Float32Array | undefined {
  const { frame } = anat;
  const planes = Array.from({ length: SUB_PLANES }, (_, j) => frame.s + thickness * ((j + 0.5) / SUB_PLANES - 0.5));
  if (frame.s < lesion.sMin || frame.s > lesion.sMax) return undefined;
  const { rows, cols, dx, dy, a0, b0 } = frame;
  const edge = Math.max(dx, dy);
  const alpha = new Float32Array(rows * cols);
  const brainHu = anat.summary.brainHu;
  const csfShare = (k: number): number => clamp01((brainHu - (anat.smooth[k] as number)) / (brainHu - CSF_HU));
  const noise = cachedNoise(lesion.noiseSeed);
  let any = false;
  for (let r = 0; r < rows; r++) {
    const b = b0 + r * dy;
    for (let c = 0; c < cols; c++) {
      const k = r * cols + c;
      if (!anat.cavity[k]) continue;
      const a = a0 + c * dx;
      const depth = anat.depth[k] as number;
      let v = 0;
      switch (lesion.subtype) {
        case 'epidural':
        case 'subdural': {
          if (depth > lesion.thickness + edge) continue;
          const { lat, ap } = toMidline(head, a, b);
          const dTheta = wrapPi(Math.atan2(lat, ap) - lesion.theta0) / lesion.thetaHalf;
          if (Math.abs(dTheta) >= 1) continue;
          // An irregular inner border: ±12 % of the thickness, slowly varying.
          const wobble = 1 + 0.12 * noise(a / 9, b / 9, frame.s / 9);
          for (const s of planes) {
            const rz = (s - lesion.s0) / lesion.sHalf;
            const q = dTheta * dTheta + rz * rz;
            if (q >= 1) continue;
            const t = lesion.thickness * wobble * (lesion.subtype === 'epidural' ? 1 - q : Math.sqrt(1 - q * q));
            v += clamp01((t - depth) / edge + 0.5);
          }
          v /= SUB_PLANES;
          if (lesion.subtype === 'subdural') v *= clamp01((lat * lesion.side - 1) / edge + 0.5);
          break;
        }
        case 'intraparenchymal': {
          if (anat.ventricle[k]) continue;
          const [ca, cb, cs] = lesion.centre;
          const [r1, r2, r3] = lesion.radii;
          const reach = Math.max(r1, r2) * (1 + lesion.lobulation) + edge;
          if (Math.abs(a - ca) > reach || Math.abs(b - cb) > reach) continue;
          const cos = Math.cos(lesion.angle);
          const sin = Math.sin(lesion.angle);
          const x = (cos * (a - ca) + sin * (b - cb)) / r1;
          const y = (-sin * (a - ca) + cos * (b - cb)) / r2;
          const rMin = Math.min(r1, r2, r3);
          for (const s of planes) {
            const z = (s - cs) / r3;
            const rho = Math.sqrt(x * x + y * y + z * z);
            const bound = 1 + lesion.lobulation * noise(a / 6, b / 6, s / 6);
            v += clamp01(0.5 - ((rho - bound) * rMin) / edge);
          }
          v /= SUB_PLANES;
          break;
        }
        case 'intraventricular': {
          if (!anat.ventricle[k]) continue;
          const [ca, cb, cs] = lesion.centre;
          const [r1, r2, r3] = lesion.radii;
          const rMin = Math.min(r1, r2, r3);
          for (const s of planes) {
            const rho = Math.hypot((a - ca) / r1, (b - cb) / r2, (s - cs) / r3);
            v += clamp01(0.5 - ((rho - 1) * rMin) / edge);
          }
          v /= SUB_PLANES;
          if (lesion.level !== undefined) {
            // gravity coordinate of the pixel in mm; the level is horizontal in the patient
            v *= clamp01((a * head.gravity[0] + b * head.gravity[1] + frame.s * head.gravity[2] - lesion.level) / edge + 0.5);
          }
          v *= csfShare(k);
          break;
        }
        case 'subarachnoid': {
          if (anat.ventricle[k] || depth > lesion.maxDepth) continue;
          const [ca, cb, cs] = lesion.centre;
          const reach = lesion.radius * 1.3;
          if (Math.abs(a - ca) > reach || Math.abs(b - cb) > reach) continue;
          const share = csfShare(k);
          if (share === 0) continue;
          for (const s of planes) {
            const rho = Math.hypot(a - ca, b - cb, s - cs) / lesion.radius;
            const bound = 1 + 0.3 * noise(a / 8, b / 8, s / 8);
            v += clamp01((bound - rho) * (lesion.radius / 3));
          }
          v = (v / SUB_PLANES) * share;
          break;
        }
      }
      if (v > 0) {
        alpha[k] = v;
        any = true;
      }
    }
  }
  return any ? alpha : undefined;
}
