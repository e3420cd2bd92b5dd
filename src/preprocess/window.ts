/**
 * Display windows applied to Hounsfield units, one output channel per window.
 *
 * Linear window (the default, as the capstone and most RSNA 2019 solutions):
 *   v = clamp((hu - (L - W/2)) / W, 0, 1)          e.g. brain 40/80: HU 0 → 0, 40 → 0.5, 80 → 1.
 * Sigmoid window (RSNA 2019 "sigmoid windowing"; smooth, keeps some contrast outside the window):
 *   v = 1 / (1 + exp(-k (hu - L))),  k = 2 ln(254) / W
 * so that v(L) = 0.5, v(L ± W/2) = 254/255 and 1/255 (the linear window's ends, one grey level in).
 */
import type { WindowPreset } from '../core/windows.js';
import type { Image } from '../core/tensor.js';
import { ichError } from '../core/errors.js';

export interface WindowOptions {
  /** Use the sigmoid window instead of the linear one (default false). */
  sigmoid?: boolean;
}

/** Slope of the sigmoid window per HU: 2 ln(254) / W (see the module comment). */
function sigmoidSlope(width: number): number {
  return (2 * Math.log(254)) / width;
}

/**
 * A scalar window function for one preset: HU → [0, 1]. Every path (the fused lookup table, the
 * reference path, the per-pixel fallback) evaluates windows through this one function.
 */
export function createWindowFunction(w: WindowPreset, opts: WindowOptions = {}): (hu: number) => number {
  if (!(w.width > 0) || !Number.isFinite(w.level)) throw ichError('ICH_E_BAD_WINDOW', `level ${w.level}, width ${w.width}`);
  if (opts.sigmoid) {
    const k = sigmoidSlope(w.width);
    const level = w.level;
    return (hu) => 1 / (1 + Math.exp(-k * (hu - level)));
  }
  const lo = w.level - w.width / 2;
  const inv = 1 / w.width;
  return (hu) => {
    const v = (hu - lo) * inv;
    return v <= 0 ? 0 : v >= 1 ? 1 : v;
  };
}

/**
 * Window a plane of Hounsfield units (row-major rows × cols, e.g. one frame from `computeHu`) into an
 * HWC float32 image with one channel per window, values in [0, 1]. No resizing.
 */
export function windowHu(hu: Float32Array, rows: number, cols: number, windows: readonly WindowPreset[], opts: WindowOptions = {}): Image<'float32'> {
  const n = rows * cols;
  if (hu.length < n) throw ichError('ICH_E_INTERNAL', `windowHu: plane has ${hu.length} values, expected ${rows}×${cols}`);
  if (windows.length === 0) throw ichError('ICH_E_BAD_WINDOW', 'no windows given');
  const c = windows.length;
  const fns = windows.map((w) => createWindowFunction(w, opts));
  const out = new Float32Array(n * c);
  for (let ch = 0; ch < c; ch++) {
    const f = fns[ch] as (hu: number) => number;
    for (let i = 0, o = ch; i < n; i++, o += c) out[o] = f(hu[i] as number);
  }
  return { dtype: 'float32', data: out, shape: [rows, cols, c] };
}
