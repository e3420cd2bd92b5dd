/**
 * Scanner effects applied to an ideal HU slice: partial volume (a light separable [1 2 1] blur),
 * beam-hardening-like effects (cupping near the inner table, a dark band between the petrous bones
 * and a few streaks radiating from dense bone), correlated quantum noise of a given SD, and the
 * reconstruction circle (outside it the slice has no data).
 */
import type { Rng } from '../core/random.js';
import type { SliceFields, SliceGrid } from './anatomy.js';

export interface ScannerParams {
  /** Noise SD in HU after smoothing (3–8). */
  noiseSd: number;
  /** Extra HU in brain just under the inner table (beam-hardening cupping). */
  cupping: number;
  /** Streak strength scale, HU. */
  streak: number;
  /** Radius of the reconstruction circle as a fraction of half the field of view. */
  circle: number;
}

export function drawScannerParams(rng: Rng): ScannerParams {
  return { noiseSd: rng.uniform(3, 8), cupping: rng.uniform(0, 5), streak: rng.uniform(5, 25), circle: rng.uniform(0.97, 1.0) };
}

const scratch: Float32Array[] = [];
/** Reused work buffers (slot 0: noise, 1: blur rows); contents are overwritten by each user. */
function scratchBuffer(slot: number, length: number): Float32Array {
  let b = scratch[slot];
  if (!b || b.length !== length) {
    b = new Float32Array(length);
    scratch[slot] = b;
  }
  return b;
}

/** In-place [1 2 1]/4 blur along rows then columns (edges replicate). */
export function blurInPlace(img: Float32Array, size: number, tmp = scratchBuffer(1, img.length)): void {
  for (let j = 0; j < size; j++) {
    const o = j * size;
    for (let i = 0; i < size; i++) {
      const l = img[o + Math.max(0, i - 1)] as number;
      const r = img[o + Math.min(size - 1, i + 1)] as number;
      tmp[o + i] = 0.25 * l + 0.5 * (img[o + i] as number) + 0.25 * r;
    }
  }
  for (let j = 0; j < size; j++) {
    const up = Math.max(0, j - 1) * size;
    const dn = Math.min(size - 1, j + 1) * size;
    const o = j * size;
    for (let i = 0; i < size; i++) img[o + i] = 0.25 * (tmp[up + i] as number) + 0.5 * (tmp[o + i] as number) + 0.25 * (tmp[dn + i] as number);
  }
}

/**
 * Beam-hardening-like artefacts inside the head: cupping under the inner table everywhere, and at
 * skull-base levels (t < 0.25) a dark band between the petrous ridges plus `count` streaks.
 */
export function addBeamHardening(fields: SliceFields, grid: SliceGrid, head: { rotation: number; centerX: number; centerY: number; halfWidth: number }, t: number, params: ScannerParams, rng: Rng): void {
  const n = fields.size * fields.size;
  const { hu, depth } = fields;
  if (params.cupping > 0) {
    for (let k = 0; k < n; k++) {
      const d = depth[k] as number;
      if (d > 0 && d < 15) hu[k] = (hu[k] as number) + params.cupping * Math.exp(-d / 4);
    }
  }
  const base = t < 0.25 && t > 0.02;
  const streaks: { nu: number; nv: number; c: number; amp: number; width: number }[] = [];
  if (base) {
    const S = head.halfWidth / 72;
    // Hounsfield bar: a dark band along the line joining the petrous apices (v ≈ 6·S).
    streaks.push({ nu: 0, nv: 1, c: 6 * S, amp: -params.streak * rng.uniform(0.3, 0.7), width: rng.uniform(4, 9) });
  }
  const count = base ? rng.int(2, 6) : rng.int(0, 2);
  for (let s = 0; s < count; s++) {
    const ang = rng.uniform(0, Math.PI);
    const pu = rng.uniform(-25, 25);
    const pv = rng.uniform(-10, 30);
    const nu = -Math.sin(ang);
    const nv = Math.cos(ang);
    streaks.push({ nu, nv, c: nu * pu + nv * pv, amp: (rng.chance(0.5) ? -1 : 1) * params.streak * rng.uniform(0.1, base ? 0.4 : 0.15), width: rng.uniform(0.6, 2) });
  }
  if (streaks.length === 0) return;
  for (let k = 0; k < n; k++) {
    if ((depth[k] as number) <= 0) continue;
    const u = fields.u[k] as number;
    const v = fields.v[k] as number;
    let add = 0;
    for (const st of streaks) {
      const d = (u * st.nu + v * st.nv - st.c) / st.width;
      if (d > -4 && d < 4) add += st.amp * Math.exp(-d * d);
    }
    hu[k] = (hu[k] as number) + add;
  }
  void grid;
}

/**
 * Adds noise with SD `sd` HU: white Gaussian noise smoothed by the same [1 2 1] kernel (CT noise is
 * spatially correlated) and rescaled by 1/0.375 so the final SD is `sd`.
 */
export function addCorrelatedNoise(hu: Float32Array, size: number, sd: number, rng: Rng): void {
  const noise = scratchBuffer(0, hu.length);
  fillGaussian(noise, sd / 0.375, rng.int(0, 0x7fffffff));
  blurInPlace(noise, size, scratchBuffer(1, hu.length));
  for (let k = 0; k < hu.length; k++) hu[k] = (hu[k] as number) + (noise[k] as number);
}

/**
 * Fills `out` with N(0, sd²) samples: Marsaglia's polar method on an inline xorshift128 stream seeded
 * from `seed` (about 5× faster than going through the Rng interface for 262k samples per slice).
 */
export function fillGaussian(out: Float32Array, sd: number, seed: number): void {
  let x = seed | 0 || 1, y = 362436069, z = 521288629, w = 88675123;
  const next = (): number => {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
    return (w >>> 0) / 4294967296;
  };
  for (let i = 0; i < 8; i++) next();
  for (let k = 0; k < out.length; k += 2) {
    let a: number, b: number, s: number;
    do {
      a = 2 * next() - 1;
      b = 2 * next() - 1;
      s = a * a + b * b;
    } while (s >= 1 || s === 0);
    const m = sd * Math.sqrt((-2 * Math.log(s)) / s);
    out[k] = a * m;
    if (k + 1 < out.length) out[k + 1] = b * m;
  }
}

/** 1 for pixels inside the reconstruction circle (centred; radius = fraction × size / 2), else 0. */
export function createCircleMask(size: number, fraction: number): Uint8Array {
  const c = (size - 1) / 2;
  const r2 = ((fraction * size) / 2) ** 2;
  const mask = new Uint8Array(size * size);
  for (let j = 0; j < size; j++) {
    const dy2 = (j - c) ** 2;
    for (let i = 0; i < size; i++) mask[j * size + i] = (i - c) ** 2 + dy2 <= r2 ? 1 : 0;
  }
  return mask;
}
