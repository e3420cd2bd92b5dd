/**
 * Per-subtype mask supervision for the localisation segmenter (`bleedseg-fine`): the slices of
 * `ichscan synth` folders — whole synthetic studies or `--insert-into` real series, same layout —
 * decoded in memory with a six-channel target per output cell (the blood fraction of each
 * subtype, then of any blood), and crops drawn from them with HU jitter, left-right flips and a
 * spatial zoom.
 *
 * Crops go through THE preprocessing (preprocessDecoded, HU offset/scale before the windows) at
 * the model size, then are resampled bilinearly by the zoom factor; the target is resampled the
 * same way at the map's resolution, so image and target stay aligned (tested).
 */
import type { Rng } from '../core/random.js';
import type { Batch } from '../core/tensor.js';
import type { DecodedDicom } from '../dicom/index.js';
import { preprocessSlice, readSliceTargets, type CropOptions, type MaskedSliceOptions } from './blood-masks.js';

/** Target channels: the five subtype bits of the mask file (bit k → channel k), then any blood. */
export const SUBTYPE_TARGET_CHANNELS = 6;

export interface SubtypeMaskedSlice {
  id: string;
  decoded: DecodedDicom;
  /** Blood fraction × 255 per output cell and channel, [map, map, 6] row-major (uint8 to keep ~4 k slices in memory). */
  target: Uint8Array;
  /** Output cells with any blood, to centre positive crops on. */
  bloodCells: Int32Array;
}

/** Per f×f block of a rows × cols subtype bitmask: the fraction of each bit and of any bit, ×255, [h, w, 6]. */
export function computeSubtypeFractions(bits: Uint8Array, rows: number, cols: number, f: number): Uint8Array {
  const h = Math.floor(rows / f);
  const w = Math.floor(cols / f);
  const C = SUBTYPE_TARGET_CHANNELS;
  const counts = new Uint32Array(h * w * C);
  for (let y = 0; y < h * f; y++)
    for (let x = 0; x < w * f; x++) {
      const b = bits[y * cols + x] as number;
      if (!b) continue;
      const j = (Math.floor(y / f) * w + Math.floor(x / f)) * C;
      for (let k = 0; k < 5; k++) if ((b >> k) & 1) counts[j + k] = (counts[j + k] as number) + 1;
      counts[j + 5] = (counts[j + 5] as number) + 1;
    }
  const out = new Uint8Array(counts.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(((counts[i] as number) * 255) / (f * f));
  return out;
}

/** Reads every slice of a synth folder with its per-subtype map target, sorted by id; `every` keeps every k-th. */
export async function readSubtypeMaskedSlices(dir: string, o: MaskedSliceOptions, every = 1): Promise<SubtypeMaskedSlice[]> {
  return readSliceTargets(dir, o, every, (bits, rows, cols, f) => {
    const target = computeSubtypeFractions(bits, rows, cols, f);
    const cells: number[] = [];
    for (let i = 0; i < target.length / SUBTYPE_TARGET_CHANNELS; i++) if ((target[i * SUBTYPE_TARGET_CHANNELS + 5] as number) > 0) cells.push(i);
    return { target, bloodCells: Int32Array.from(cells) };
  });
}

export interface SubtypeCropOptions extends CropOptions {
  /** Max |zoom − 1|: a crop samples the slice at spacing U(1 − z, 1 + z) input pixels per crop pixel. */
  zoom: number;
}

/** Bilinear sample of channel `ch` of an [h, w, C] array at (y, x) (clamped), with `scale` applied to the values. */
function sampleBilinear(a: ArrayLike<number>, h: number, w: number, C: number, ch: number, y: number, x: number): number {
  const yc = Math.max(0, Math.min(h - 1, y));
  const xc = Math.max(0, Math.min(w - 1, x));
  const y0 = Math.floor(yc);
  const x0 = Math.floor(xc);
  const y1 = Math.min(h - 1, y0 + 1);
  const x1 = Math.min(w - 1, x0 + 1);
  const fy = yc - y0;
  const fx = xc - x0;
  const v = (yy: number, xx: number): number => a[(yy * w + xx) * C + ch] as number;
  return (v(y0, x0) * (1 - fx) + v(y0, x1) * fx) * (1 - fy) + (v(y1, x0) * (1 - fx) + v(y1, x1) * fx) * fy;
}

/**
 * A batch of crops: x NHWC [n, crop, crop, C] in [0, 1], y [n, crop/stride, crop/stride, 6] in
 * [0, 1]. Each crop: with `positiveShare` odds a random bleeding slice, centred (± a quarter
 * crop) on one of its blood cells, else a random slice anywhere; then jittered HU (offset,
 * scale), a zoom and a random left-right flip. Every draw comes from `rng`, in a fixed order.
 */
export function drawSubtypeCropBatch(slices: readonly SubtypeMaskedSlice[], n: number, o: SubtypeCropOptions, rng: Rng): { x: Batch<'float32'>; y: Float32Array } {
  const C = o.windows.length;
  const K = SUBTYPE_TARGET_CHANNELS;
  const map = o.size / o.stride;
  const cm = o.crop / o.stride;
  const x = new Float32Array(n * o.crop * o.crop * C);
  const y = new Float32Array(n * cm * cm * K);
  // inserted series bleed on few slices: positive crops draw from the bleeding slices directly
  const bleeding = slices.filter((s) => s.bloodCells.length > 0);
  for (let b = 0; b < n; b++) {
    const positive = bleeding.length > 0 && rng.next() < o.positiveShare;
    const pool = positive ? bleeding : slices;
    const s = pool[rng.int(0, pool.length - 1)] as SubtypeMaskedSlice;
    const img = preprocessSlice(s, o, rng.uniform(-o.huOffset, o.huOffset), rng.uniform(1 - o.huScale, 1 + o.huScale));
    const z = rng.uniform(1 - o.zoom, 1 + o.zoom);
    const flip = rng.next() < 0.5;
    // crop centre in input pixels of the unflipped slice
    let cy: number;
    let cx: number;
    if (positive) {
      const cell = s.bloodCells[rng.int(0, s.bloodCells.length - 1)] as number;
      const jitter = (o.crop * z) / 4;
      cy = (Math.floor(cell / map) + 0.5) * o.stride + rng.uniform(-jitter, jitter);
      cx = ((cell % map) + 0.5) * o.stride + rng.uniform(-jitter, jitter);
    } else {
      cy = rng.uniform(0, o.size);
      cx = rng.uniform(0, o.size);
    }
    const half = (o.crop * z) / 2;
    cy = Math.max(half, Math.min(o.size - half, cy));
    cx = Math.max(half, Math.min(o.size - half, cx));
    const top = cy - half;
    const left = cx - half;
    // input pixel (r, c) of the crop samples the slice at top + (r + 0.5)·z − 0.5; a flip mirrors the column
    for (let r = 0; r < o.crop; r++) {
      const sy = top + (r + 0.5) * z - 0.5;
      for (let c = 0; c < o.crop; c++) {
        const cc = flip ? o.crop - 1 - c : c;
        const sx = left + (cc + 0.5) * z - 0.5;
        const dst = ((b * o.crop + r) * o.crop + c) * C;
        for (let ch = 0; ch < C; ch++) x[dst + ch] = sampleBilinear(img.data, o.size, o.size, C, ch, sy, sx) / 255;
      }
    }
    // output cell (r, c) covers crop pixels [r·stride, (r + 1)·stride): its centre in map cells
    for (let r = 0; r < cm; r++) {
      const my = (top + (r + 0.5) * o.stride * z) / o.stride - 0.5;
      for (let c = 0; c < cm; c++) {
        const cc = flip ? cm - 1 - c : c;
        const mx = (left + (cc + 0.5) * o.stride * z) / o.stride - 0.5;
        const dst = ((b * cm + r) * cm + c) * K;
        for (let k = 0; k < K; k++) y[dst + k] = sampleBilinear(s.target, map, map, K, k, my, mx) / 255;
      }
    }
  }
  return { x: { dtype: 'float32', data: x, shape: [n, o.crop, o.crop, C] }, y };
}
