/**
 * Seeded augmentation, with parameters drawn apart from applying them (MONAI's "Rand" split):
 * `drawAugmentParams(rng, cfg)` returns plain numbers (log them, send them to a worker, replay them),
 * `applyAugment(img, params)` applies the geometric part to a preprocessed image, and the HU part goes
 * into `preprocessDecoded` through `huJitterOf(params)`, because HU jitter must act before windowing:
 *
 *   const p = drawAugmentParams(rng, cfg);
 *   const img = applyAugment(preprocessDecoded(dcm, { ...opts, ...huJitterOf(p) }), p);
 *
 * Geometry, in output pixels with the image centre as origin: crop (a square fraction of the image
 * stretched back to full size) → scale → rotate (counter-clockwise on screen for positive degrees) →
 * horizontal flip → shift. The whole map is inverted and each output pixel samples the input once,
 * bilinearly, with zeros outside (0 is air in every window). Identity parameters return the input.
 */
import type { Rng } from '../core/random.js';
import type { Image } from '../core/tensor.js';

export interface AugmentConfig {
  /** Probability of a horizontal (left-right) flip (default 0). */
  flipProbability?: number;
  /** Maximum |rotation| in degrees; drawn uniformly in [−r, r] (default 0). */
  rotationDeg?: number;
  /** Maximum relative zoom: scale drawn in [1 − s, 1 + s] (default 0). */
  scale?: number;
  /** Maximum |shift| per axis in output pixels (default 0). */
  shiftPx?: number;
  /** Smallest crop side as a fraction of the image: side drawn in [crop, 1], position uniform (default 1 = none). */
  minCrop?: number;
  /** Maximum |HU offset| (level jitter), HU (default 0). */
  huOffset?: number;
  /** Maximum relative HU scale change: factor drawn in [1 − s, 1 + s] (default 0). */
  huScale?: number;
}

export interface AugmentParams {
  flipH: boolean;
  rotationDeg: number;
  scale: number;
  /** Shift in output pixels (+x right, +y down). */
  shiftX: number;
  shiftY: number;
  /** Crop square: top-left corner and side, as fractions of the image (0, 0, 1 = whole image). */
  cropX: number;
  cropY: number;
  cropSize: number;
  /** HU jitter (applied by preprocessDecoded): hu' = huScale · hu + huOffset. */
  huOffset: number;
  huScale: number;
}

export const IDENTITY_AUGMENT: Readonly<AugmentParams> = {
  flipH: false,
  rotationDeg: 0,
  scale: 1,
  shiftX: 0,
  shiftY: 0,
  cropX: 0,
  cropY: 0,
  cropSize: 1,
  huOffset: 0,
  huScale: 1,
};

/**
 * Draw one set of parameters. Always consumes the same ten numbers in the same order, whatever the
 * config, so turning one augmentation on or off does not change the others for a seed.
 */
export function drawAugmentParams(rng: Rng, cfg: AugmentConfig): AugmentParams {
  const u = (): number => rng.next();
  const sym = (max: number, r: number): number => (max > 0 ? (2 * r - 1) * max : 0);
  const flipR = u();
  const rotR = u();
  const scaleR = u();
  const sxR = u();
  const syR = u();
  const csR = u();
  const cxR = u();
  const cyR = u();
  const hoR = u();
  const hsR = u();
  const minCrop = Math.min(Math.max(cfg.minCrop ?? 1, 0.05), 1);
  const cropSize = minCrop < 1 ? minCrop + (1 - minCrop) * csR : 1;
  return {
    flipH: flipR < (cfg.flipProbability ?? 0),
    rotationDeg: sym(cfg.rotationDeg ?? 0, rotR),
    scale: 1 + sym(cfg.scale ?? 0, scaleR),
    shiftX: sym(cfg.shiftPx ?? 0, sxR),
    shiftY: sym(cfg.shiftPx ?? 0, syR),
    cropX: (1 - cropSize) * cxR,
    cropY: (1 - cropSize) * cyR,
    cropSize,
    huOffset: sym(cfg.huOffset ?? 0, hoR),
    huScale: 1 + sym(cfg.huScale ?? 0, hsR),
  };
}

/** The HU part of the parameters, to spread into `PreprocessOptions`. */
export function huJitterOf(p: AugmentParams): { huOffset: number; huScale: number } {
  return { huOffset: p.huOffset, huScale: p.huScale };
}

export function isGeometricIdentity(p: AugmentParams): boolean {
  return !p.flipH && p.rotationDeg === 0 && p.scale === 1 && p.shiftX === 0 && p.shiftY === 0 && p.cropSize === 1;
}

/**
 * Apply the geometric parameters to an HWC image (float32 or uint8; uint8 results are rounded).
 * Returns a new image of the same shape and dtype, or the input itself for identity geometry.
 */
export function applyAugment<D extends 'float32' | 'uint8'>(img: Image<D>, p: AugmentParams): Image<D> {
  if (isGeometricIdentity(p)) return img;
  const [h, w, c] = img.shape;
  const src = img.data;
  const out = (img.dtype === 'uint8' ? new Uint8Array(h * w * c) : new Float32Array(h * w * c)) as Image<D>['data'];
  const cx = w / 2;
  const cy = h / 2;
  const th = (p.rotationDeg * Math.PI) / 180;
  // Inverse rotation (screen coordinates, y down: positive degrees turn counter-clockwise on screen).
  const cos = Math.cos(th) / p.scale;
  const sin = Math.sin(th) / p.scale;
  const flip = p.flipH ? -1 : 1;
  const acc = new Float64Array(c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Output pixel centre relative to the centre, shift and flip undone.
      const ox = flip * (x + 0.5 - cx - p.shiftX);
      const oy = y + 0.5 - cy - p.shiftY;
      // Undo rotation and scale: a point of the (cropped) image, relative to the centre.
      const qx = cos * ox - sin * oy + cx;
      const qy = sin * ox + cos * oy + cy;
      // Undo the crop, then go to pixel-index coordinates.
      const sx = p.cropX * w + qx * p.cropSize - 0.5;
      const sy = p.cropY * h + qy * p.cropSize - 0.5;
      sampleBilinear(src, h, w, c, sx, sy, acc);
      const o = (y * w + x) * c;
      for (let ch = 0; ch < c; ch++) {
        const v = acc[ch] as number;
        out[o + ch] = img.dtype === 'uint8' ? Math.min(255, Math.max(0, Math.round(v))) : v;
      }
    }
  }
  return { dtype: img.dtype, data: out, shape: [h, w, c] };
}

/** Bilinear sample at (sx, sy) in pixel-index coordinates; pixels outside the image count as 0. */
function sampleBilinear(src: ArrayLike<number>, h: number, w: number, c: number, sx: number, sy: number, acc: Float64Array): void {
  acc.fill(0);
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  for (let dy = 0; dy < 2; dy++) {
    const yy = y0 + dy;
    const wy = dy === 0 ? 1 - fy : fy;
    if (yy < 0 || yy >= h || wy === 0) continue;
    for (let dx = 0; dx < 2; dx++) {
      const xx = x0 + dx;
      const wxy = (dx === 0 ? 1 - fx : fx) * wy;
      if (xx < 0 || xx >= w || wxy === 0) continue;
      const base = (yy * w + xx) * c;
      for (let ch = 0; ch < c; ch++) acc[ch] = (acc[ch] as number) + wxy * (src[base + ch] as number);
    }
  }
}
