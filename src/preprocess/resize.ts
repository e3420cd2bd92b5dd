/**
 * THE resize of ichscan: one method, used by training, the loader, inference and the cache alike.
 *
 * Separable, per axis:
 * - shrinking (dst < src): exact area averaging. Output pixel i covers the source interval
 *   [i·s, (i+1)·s), s = src/dst, and is the mean of the source pixels weighted by their overlap with
 *   it. For integer factors (512 → 256: s = 2) this is exactly the k×k box mean; for other factors it
 *   is OpenCV's INTER_AREA.
 * - enlarging (dst > src): bilinear with half-pixel centres (x_src = (i + 0.5)·s − 0.5, clamped to the
 *   edge), as OpenCV's INTER_LINEAR.
 * - equal: copy.
 * Horizontal pass first, then vertical, in float; uint8 images are rounded (half up) and clamped at the end.
 * Channels are resampled independently. Non-square inputs are stretched to the requested shape.
 */
import type { Image } from '../core/tensor.js';
import { ichError } from '../core/errors.js';

/** Target size: a number for a square output, or [height, width]. */
export type TargetSize = number | readonly [h: number, w: number];

export function targetShape(size: TargetSize): [h: number, w: number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || h > 16384 || w > 16384) {
    throw ichError('ICH_E_USAGE', `resize target must be integers in [1, 16384], got ${h}×${w}`);
  }
  return [h, w];
}

/** Per-output-pixel taps along one axis: source indices and weights, `taps` slots each (unused: weight 0). */
interface AxisWeights {
  taps: number;
  index: Int32Array;
  weight: Float64Array;
}

/** Weights for resampling one axis from `src` to `dst` pixels (see the module comment). */
export function computeAxisWeights(src: number, dst: number): AxisWeights {
  const s = src / dst;
  if (dst < src) {
    const taps = Math.ceil(s) + 1;
    const index = new Int32Array(dst * taps);
    const weight = new Float64Array(dst * taps);
    for (let i = 0; i < dst; i++) {
      const a = i * s;
      const b = (i + 1) * s;
      let t = 0;
      for (let j = Math.floor(a); j < b && j < src; j++) {
        const overlap = Math.min(b, j + 1) - Math.max(a, j);
        if (overlap <= 0) continue;
        index[i * taps + t] = j;
        weight[i * taps + t] = overlap / s;
        t++;
      }
    }
    return { taps, index, weight };
  }
  const taps = 2;
  const index = new Int32Array(dst * taps);
  const weight = new Float64Array(dst * taps);
  for (let i = 0; i < dst; i++) {
    const x = Math.min(Math.max((i + 0.5) * s - 0.5, 0), src - 1);
    const j0 = Math.floor(x);
    const j1 = Math.min(j0 + 1, src - 1);
    const f = x - j0;
    index[i * 2] = j0;
    weight[i * 2] = 1 - f;
    index[i * 2 + 1] = j1;
    weight[i * 2 + 1] = f;
  }
  return { taps, index, weight };
}

/**
 * Resize an HWC image (float32 or uint8) to `size` with the method above. Returns a new image of the
 * same dtype; the input is returned as-is when the size already matches.
 */
export function resizeImage<D extends 'float32' | 'uint8'>(img: Image<D>, size: TargetSize): Image<D> {
  const [h, w, c] = img.shape;
  const [dh, dw] = targetShape(size);
  if (dh === h && dw === w) return img;
  const wx = computeAxisWeights(w, dw);
  const wy = computeAxisWeights(h, dh);
  const src = img.data;
  // Horizontal pass: h × dw × c.
  const tmp = new Float64Array(h * dw * c);
  for (let y = 0; y < h; y++) {
    const rowIn = y * w * c;
    const rowOut = y * dw * c;
    for (let x = 0; x < dw; x++) {
      for (let t = 0; t < wx.taps; t++) {
        const wt = wx.weight[x * wx.taps + t] as number;
        if (wt === 0) continue;
        const sx = rowIn + (wx.index[x * wx.taps + t] as number) * c;
        for (let ch = 0; ch < c; ch++) tmp[rowOut + x * c + ch] = (tmp[rowOut + x * c + ch] as number) + wt * (src[sx + ch] as number);
      }
    }
  }
  // Vertical pass: dh × dw × c.
  const acc = new Float64Array(dw * c);
  const out = (img.dtype === 'uint8' ? new Uint8Array(dh * dw * c) : new Float32Array(dh * dw * c)) as Image<D>['data'];
  const rowLen = dw * c;
  for (let y = 0; y < dh; y++) {
    acc.fill(0);
    for (let t = 0; t < wy.taps; t++) {
      const wt = wy.weight[y * wy.taps + t] as number;
      if (wt === 0) continue;
      const base = (wy.index[y * wy.taps + t] as number) * rowLen;
      for (let k = 0; k < rowLen; k++) acc[k] = (acc[k] as number) + wt * (tmp[base + k] as number);
    }
    const o = y * rowLen;
    if (img.dtype === 'uint8') {
      for (let k = 0; k < rowLen; k++) {
        const v = Math.round(acc[k] as number);
        out[o + k] = v < 0 ? 0 : v > 255 ? 255 : v; // Uint8Array would wrap, not clamp
      }
    } else {
      for (let k = 0; k < rowLen; k++) out[o + k] = acc[k] as number;
    }
  }
  return { dtype: img.dtype, data: out, shape: [dh, dw, c] };
}
