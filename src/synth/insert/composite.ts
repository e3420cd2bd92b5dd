/**
 * Compositing rasterised lesions into a slice's HU, α being the blood share of the voxel
 * (lesion-shapes.ts), so edges blend blood with what was there (partial volume):
 * - blood that displaces tissue (epidural, subdural, intraparenchymal):
 *     hu + α · (blood + texture + noise − hu);
 *   the noise replaces the source noise the blend removes: seeded Gaussian noise smoothed by
 *   [1 2 1]/4 in both directions (CT noise is correlated over neighbouring pixels) and scaled to
 *   the SD measured in the slice's parenchyma (anatomy.ts);
 * - blood that fills CSF (intraventricular, subarachnoid): α is the CSF share and the blood takes
 *   its place, hu + α · (blood + texture − 5 HU); the pixel keeps its own noise and the brain part
 *   of a partial-volume voxel keeps its density.
 * Intraparenchymal bleeds darken a rim of brain around them by 3–8 HU (oedema; not in the mask).
 * The texture is the clot's mottling (a slow 3-D noise field, continuous across slices). The mask
 * is α ≥ 0.5 per subtype; a lesion whose α stays below that on a slice (the faint tip of its
 * through-plane partial volume) leaves the slice unchanged, so an unlabelled slice has no blood.
 */
import type { Rng } from '../../core/random.js';
import { cachedNoise, fractalNoise } from '../noise.js';
import { SUBTYPE_BIT } from '../hemorrhage.js';
import type { SliceAnatomy } from './anatomy.js';
import type { Lesion } from './lesion-types.js';

/** SD of [1 2 1]/4 ⊗ [1 2 1]/4 smoothed unit white noise: √(Σ w²) = 6/16. */
const SMOOTHED_SD = 0.375;
/** α from which a pixel counts as blood in the mask. */
export const MASK_ALPHA = 0.5;
/** HU of the CSF that blood in the ventricles and sulci replaces. */
const CSF_HU = 5;

export interface LesionLayer {
  lesion: Lesion;
  alpha: Float32Array;
  /** Oedema share per pixel (intraparenchymal), darkening the brain by `lesion.oedemaHu`. */
  oedema?: Float32Array | undefined;
}

export interface CompositedSlice {
  hu: Float32Array;
  /** Subtype bitmask per pixel (masks.ts format). */
  mask: Uint8Array;
  /** 1 where any lesion touched the pixel (α > 0): only these pixels get new stored values. */
  changed: Uint8Array;
}

/** Correlated noise of SD `sd` over rows r0..r1, cols c0..c1 (inclusive), row-major in that box. */
function correlatedNoise(rng: Rng, h: number, w: number, sd: number): Float32Array {
  const white = new Float32Array(h * w);
  for (let k = 0; k < white.length; k++) white[k] = rng.normal(0, sd / SMOOTHED_SD);
  const tmp = new Float32Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const l = white[y * w + Math.max(0, x - 1)] as number;
      const rr = white[y * w + Math.min(w - 1, x + 1)] as number;
      tmp[y * w + x] = (l + 2 * (white[y * w + x] as number) + rr) / 4;
    }
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const u = tmp[Math.max(0, y - 1) * w + x] as number;
      const d = tmp[Math.min(h - 1, y + 1) * w + x] as number;
      out[y * w + x] = (u + 2 * (tmp[y * w + x] as number) + d) / 4;
    }
  return out;
}

/** Blends `layers` (in order) into a copy of the slice's HU; `rng` is the slice's own stream. */
export function compositeLesions(anat: SliceAnatomy, layers: readonly LesionLayer[], rng: Rng): CompositedSlice {
  const { rows, cols, dx, dy, a0, b0, s } = anat.frame;
  const hu = Float32Array.from(anat.hu);
  const mask = new Uint8Array(rows * cols);
  const changed = new Uint8Array(rows * cols);
  for (const { lesion, alpha, oedema } of layers) {
    let r0 = rows, r1 = -1, c0 = cols, c1 = -1;
    let peak = 0;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        if ((alpha[r * cols + c] as number) > 0) {
          peak = Math.max(peak, alpha[r * cols + c] as number);
          if (r < r0) r0 = r;
          if (r > r1) r1 = r;
          if (c < c0) c0 = c;
          if (c > c1) c1 = c;
        }
    if (r1 < 0 || peak < MASK_ALPHA) continue;
    const fillsCsf = lesion.subtype === 'intraventricular' || lesion.subtype === 'subarachnoid';
    const h = r1 - r0 + 1;
    const w = c1 - c0 + 1;
    const noise = correlatedNoise(rng, h, w, anat.summary.noiseSd);
    const field = cachedNoise(lesion.noiseSeed ^ 0x7e47);
    // Hyperacute clot is not yet retracted: more heterogeneous.
    const texture = lesion.age === 'hyperacute' ? 2 * lesion.textureHu : lesion.textureHu;
    const bit = SUBTYPE_BIT[lesion.subtype];
    if (oedema && lesion.subtype === 'intraparenchymal') {
      for (let k = 0; k < oedema.length; k++) {
        const e = oedema[k] as number;
        if (e <= 0) continue;
        hu[k] = (hu[k] as number) - lesion.oedemaHu * e;
        changed[k] = 1;
      }
    }
    for (let r = r0; r <= r1; r++)
      for (let c = c0; c <= c1; c++) {
        const k = r * cols + c;
        const al = alpha[k] as number;
        if (al <= 0) continue;
        const blood = lesion.hu + texture * fractalNoise(field, (a0 + c * dx) / 4, (b0 + r * dy) / 4, s / 4);
        if (fillsCsf) hu[k] = (hu[k] as number) + al * (blood - CSF_HU);
        else hu[k] = (hu[k] as number) + al * (blood + (noise[(r - r0) * w + (c - c0)] as number) - (hu[k] as number));
        changed[k] = 1;
        if (al >= MASK_ALPHA) mask[k] = (mask[k] as number) | bit;
      }
  }
  return { hu, mask, changed };
}
