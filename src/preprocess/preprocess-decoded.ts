/**
 * THE preprocessing pipeline: one decoded DICOM frame → a windowed, resized HWC tensor. Training,
 * the loader, prediction and the `preprocess` cache all call `preprocessDecoded`, so a model sees
 * the same pixels in every path.
 *
 * Semantics (the reference path computes exactly this, slowly):
 *   raw stored values → HU (12-bit fix, padding → air, optional HU jitter; see hu-map.ts)
 *   → each window per source pixel, values in [0, 1] (window.ts)
 *   → resize to `size` with `resizeImage` (area mean when shrinking; bilinear when enlarging)
 * Windows are applied BEFORE the resize: an output pixel is the mean of the windowed source pixels,
 * not the window of the mean HU (identical inside a window's linear range; at its clamps the mean
 * of clamped values keeps edges like the skull from bleeding into the brain window).
 * dtype 'float32' returns those values; 'uint8' returns round(255 · value) (the fast path rounds a
 * fixed-point sum once, so it can differ from round(255 · float32) by one grey level at exact ties).
 *
 * Fast path (8/16-bit raw, the usual case): a cached lookup table raw value → C windowed values
 * (lut.ts), then, for integer shrink factors, the k×k box sum straight from the table; 2×2 (512 → 256)
 * has its own loops, with ≤ 3 windows packed in one float64 per table entry for uint8 output.
 * Other sizes window at full resolution through the table, then call `resizeImage`. 32-bit raw
 * arrays are mapped per pixel through the same scalar functions.
 */
import type { DecodedDicom } from '../dicom/types.js';
import type { WindowPreset } from '../core/windows.js';
import type { Image } from '../core/tensor.js';
import { ichError } from '../core/errors.js';
import { createHuMapper, resolveHuMapParams } from './hu-map.js';
import { createWindowFunction } from './window.js';
import { getLookupTable, lutKindOf, P3_FIELD } from './lut.js';
import { resizeImage, targetShape, type TargetSize } from './resize.js';

export interface PreprocessOptions {
  /** Output size: a number for size × size, or [height, width]. */
  size: TargetSize;
  /** One output channel per window, in this order. */
  windows: readonly WindowPreset[];
  dtype: 'float32' | 'uint8';
  /** Sigmoid instead of linear windows (default false). */
  sigmoid?: boolean;
  /** Apply the RSNA 12-bit fix where the header needs it (default true). */
  rsna12BitFix?: boolean;
  /** Replace HU below −1024 (padding, outside the scan circle) with air (default true). */
  padToAir?: boolean;
  /** Augmentation, applied to HU before the windows: hu' = huScale · hu + huOffset (defaults 0 and 1). */
  huOffset?: number;
  huScale?: number;
}

type RawArray = DecodedDicom['raw']['data'];

/**
 * Preprocess frame `frame` (0-based) of a decoded DICOM. Throws ICH_E_UNSUPPORTED_IMAGE for colour
 * images, ICH_E_BAD_DIMENSIONS for a frame index out of range, ICH_E_BAD_WINDOW for no windows.
 */
export function preprocessDecoded(decoded: DecodedDicom, opts: PreprocessOptions & { dtype: 'uint8' }, frame?: number): Image<'uint8'>;
export function preprocessDecoded(decoded: DecodedDicom, opts: PreprocessOptions & { dtype: 'float32' }, frame?: number): Image<'float32'>;
export function preprocessDecoded(decoded: DecodedDicom, opts: PreprocessOptions, frame?: number): Image<'float32'> | Image<'uint8'>;
export function preprocessDecoded(decoded: DecodedDicom, opts: PreprocessOptions, frame = 0): Image<'float32'> | Image<'uint8'> {
  const { meta, raw } = decoded;
  const file = meta.file;
  if (meta.samplesPerPixel !== 1) throw ichError('ICH_E_UNSUPPORTED_IMAGE', `${meta.samplesPerPixel} samples per pixel (CT is greyscale)`, { file });
  if (opts.windows.length === 0) throw ichError('ICH_E_BAD_WINDOW', 'no windows given', { file });
  const { rows, columns: cols } = raw;
  const n = rows * cols;
  if (!Number.isInteger(frame) || frame < 0 || frame >= raw.frames || raw.data.length < (frame + 1) * n) {
    throw ichError('ICH_E_BAD_DIMENSIONS', `frame ${frame} of ${raw.frames} (${rows}×${cols}, ${raw.data.length} values)`, { file });
  }
  const [dh, dw] = targetShape(opts.size);
  const hu = resolveHuMapParams(meta, opts, frame);
  const sigmoid = opts.sigmoid ?? false;
  const c = opts.windows.length;
  const data = raw.data.subarray(frame * n, (frame + 1) * n) as RawArray;
  const kind = lutKindOf(data);
  const integerShrink = rows % dh === 0 && cols % dw === 0;

  if (kind !== undefined && integerShrink) {
    const idx = unsignedView(data);
    const fy = rows / dh;
    const fx = cols / dw;
    if (opts.dtype === 'uint8' && fy === 2 && fx === 2 && c <= 3) {
      const table = getLookupTable(kind, hu, opts.windows, sigmoid, 'p3', data);
      return { dtype: 'uint8', data: box2FromPackedTable(idx, table, cols, dh, dw, c), shape: [dh, dw, c] };
    }
    if (opts.dtype === 'uint8') {
      // q8 sums rounded once: round(Σq / (256 · fy · fx)).
      const table = getLookupTable(kind, hu, opts.windows, sigmoid, 'q8', data);
      const div = 256 * fy * fx;
      const out = boxFromTable(idx, table, new Uint8Array(dh * dw * c), cols, [dh, dw, c], fy, fx, (sum) => Math.floor((sum + div / 2) / div));
      return { dtype: 'uint8', data: out, shape: [dh, dw, c] };
    }
    const table = getLookupTable(kind, hu, opts.windows, sigmoid, 'f32', data);
    const inv = 1 / (fy * fx);
    const out =
      fy === 2 && fx === 2
        ? box2FromTableF32(idx, table, cols, dh, dw, c)
        : boxFromTable(idx, table, new Float32Array(dh * dw * c), cols, [dh, dw, c], fy, fx, (sum) => sum * inv);
    return { dtype: 'float32', data: out, shape: [dh, dw, c] };
  }

  // General sizes (and 32-bit raw): window at full resolution, then THE resize.
  const full = new Float32Array(n * c);
  if (kind !== undefined) {
    const idx = unsignedView(data);
    const table = getLookupTable(kind, hu, opts.windows, sigmoid, 'f32', data);
    for (let i = 0; i < n; i++) {
      const t = (idx[i] as number) * c;
      for (let ch = 0; ch < c; ch++) full[i * c + ch] = table[t + ch] as number;
    }
  } else {
    const toHu = createHuMapper(hu);
    const fns = opts.windows.map((w) => createWindowFunction(w, { sigmoid }));
    for (let i = 0; i < n; i++) {
      const h = toHu(data[i] as number);
      for (let ch = 0; ch < c; ch++) full[i * c + ch] = (fns[ch] as (x: number) => number)(h);
    }
  }
  const resized = resizeImage<'float32'>({ dtype: 'float32', data: full, shape: [rows, cols, c] }, [dh, dw]);
  return opts.dtype === 'uint8' ? quantizeToUint8(resized) : resized;
}

/** uint8 = round(255 · v), v clamped to [0, 1]: the one float → byte rule of the pipeline. */
export function quantizeToUint8(img: Image<'float32'>): Image<'uint8'> {
  const src = img.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = Math.round((src[i] as number) * 255);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { dtype: 'uint8', data: out, shape: img.shape };
}

/** The same bytes as an unsigned array of the same width (table index = bit pattern). */
function unsignedView(data: RawArray): Uint16Array | Uint8Array {
  if (data instanceof Uint16Array || data instanceof Uint8Array) return data;
  if (data instanceof Int16Array) return new Uint16Array(data.buffer, data.byteOffset, data.length);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * 2×2 box mean from a 'p3' table (the hot path): the four packed entries add exactly, then the three
 * q7 fields are unpacked and rounded once: out = round(Σq7 / (4 · 128)).
 */
function box2FromPackedTable(idx: Uint16Array | Uint8Array, table: Float64Array, cols: number, dh: number, dw: number, c: number): Uint8Array {
  const out = new Uint8Array(dh * dw * c);
  const f1 = P3_FIELD[1];
  const f2 = P3_FIELD[2];
  const inv1 = 1 / f1;
  const inv2 = 1 / f2;
  let o = 0;
  for (let y = 0; y < dh; y++) {
    let r0 = 2 * y * cols;
    let r1 = r0 + cols;
    for (let x = 0; x < dw; x++, r0 += 2, r1 += 2) {
      const s = (table[idx[r0] as number] as number) + (table[idx[r0 + 1] as number] as number) + (table[idx[r1] as number] as number) + (table[idx[r1 + 1] as number] as number);
      const s2 = Math.floor(s * inv2);
      const rest = s - s2 * f2;
      const s1 = Math.floor(rest * inv1);
      out[o++] = (rest - s1 * f1 + 256) >> 9;
      if (c > 1) out[o++] = (s1 + 256) >> 9;
      if (c > 2) out[o++] = (s2 + 256) >> 9;
    }
  }
  return out;
}

/** 2×2 box mean of float table values (the float32 hot path). */
function box2FromTableF32(idx: Uint16Array | Uint8Array, table: Float32Array, cols: number, dh: number, dw: number, c: number): Float32Array {
  const out = new Float32Array(dh * dw * c);
  let o = 0;
  for (let y = 0; y < dh; y++) {
    let r0 = 2 * y * cols;
    let r1 = r0 + cols;
    for (let x = 0; x < dw; x++, r0 += 2, r1 += 2) {
      const a = (idx[r0] as number) * c;
      const b = (idx[r0 + 1] as number) * c;
      const d = (idx[r1] as number) * c;
      const e = (idx[r1 + 1] as number) * c;
      for (let ch = 0; ch < c; ch++) {
        out[o++] = ((table[a + ch] as number) + (table[b + ch] as number) + (table[d + ch] as number) + (table[e + ch] as number)) * 0.25;
      }
    }
  }
  return out;
}

/**
 * k×k box of table values, per output value `finish(Σ table values over the box)`: the general
 * integer-factor path for both table encodings (q8 → uint8, f32 → float32).
 */
function boxFromTable<O extends Uint8Array | Float32Array>(
  idx: Uint16Array | Uint8Array,
  table: Uint16Array | Float32Array,
  out: O,
  cols: number,
  [dh, dw, c]: readonly [number, number, number],
  fy: number,
  fx: number,
  finish: (sum: number) => number,
): O {
  const acc = new Float64Array(c);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      acc.fill(0);
      for (let yy = y * fy; yy < (y + 1) * fy; yy++) {
        for (let xx = x * fx; xx < (x + 1) * fx; xx++) {
          const t = (idx[yy * cols + xx] as number) * c;
          for (let ch = 0; ch < c; ch++) acc[ch] = (acc[ch] as number) + (table[t + ch] as number);
        }
      }
      const o = (y * dw + x) * c;
      for (let ch = 0; ch < c; ch++) out[o + ch] = finish(acc[ch] as number);
    }
  }
  return out;
}

