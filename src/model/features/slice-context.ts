/**
 * The 2.5D context of a z-ordered series, shared by scoring (src/infer) and training the default
 * model's head (src/train/default-model): which slice serves as each neighbour (spacing-aware
 * for thin series), NHWC float batches of slices with their neighbours' channels, stacked
 * per-slice embeddings, batched engine calls and the blood segmenter's maps.
 */
import { ichError } from '../../core/errors.js';
import type { Batch, Image, Plane } from '../../core/tensor.js';
import type { FloatTensor, InferenceEngine } from '../onnx/runner.js';
import { cropImage, type CropBox } from './localiser-crop.js';

/** Index of the neighbour at offset d of slice i among n, repeating the edge slice. */
export function neighbourIndex(i: number, d: number, n: number): number {
  return Math.min(n - 1, Math.max(0, i + d));
}

/**
 * Which slice serves as neighbour d ∈ [−k, k] of each slice: row-major [n, 2k+1]. By index
 * (i + d, edges repeated), except for thin series: when `spacingMm` is given, every z is known and
 * the series' median slice spacing is below 0.75 × spacingMm, neighbour d is the slice whose z is
 * nearest to z_i + d·spacingMm — so a 0.625 mm series gets context from ±5 mm, as a 5 mm series does.
 */
export function neighbourTable(n: number, context: number, z?: readonly (number | null)[], spacingMm?: number): Int32Array {
  const span = 2 * context + 1;
  const t = new Int32Array(n * span);
  const zs = z && z.length === n && z.every((v) => v !== null) ? (z as number[]) : undefined;
  let thin = false;
  if (zs && spacingMm && n > 2) {
    const gaps = zs.slice(1).map((v, i) => Math.abs(v - (zs[i] as number))).sort((a, b) => a - b);
    thin = (gaps[Math.floor(gaps.length / 2)] as number) < 0.75 * spacingMm;
  }
  for (let i = 0; i < n; i++) {
    for (let d = -context; d <= context; d++) {
      let j = neighbourIndex(i, d, n);
      if (thin && zs && spacingMm) {
        const target = (zs[i] as number) + d * spacingMm;
        let best = Infinity;
        for (let q = 0; q < n; q++) {
          const dist = Math.abs((zs[q] as number) - target);
          if (dist < best) {
            best = dist;
            j = q;
          }
        }
      }
      t[i * span + d + context] = j;
    }
  }
  return t;
}

/**
 * A reusable float buffer for consecutive batches of one series: a fresh 6 MB batch per engine
 * call cost more in page faults (2–4 ms a slice on this VM) than filling it (0.45 ms). What `take`
 * returns is valid until its next call.
 */
export interface BatchScratch {
  take(n: number): Float32Array;
}

export function createBatchScratch(): BatchScratch {
  let buf = new Float32Array(0);
  return {
    take(n) {
      if (buf.length < n) buf = new Float32Array(n);
      return buf.subarray(0, n);
    },
  };
}

/**
 * NHWC float32 batch of slices `idx`, each with the channels of slices i−k … i+k stacked in
 * that order (k = context), optionally flipped left-right; written into `scratch` when given
 * (then valid until the scratch's next use).
 */
/** v · (1/255) rounds to the same float32 as v / 255 for every byte v (test/infer/scorer.test.ts). */
const INV_255 = 1 / 255;

export function buildContextBatch(images: readonly Image<'uint8'>[], idx: readonly number[], context: number, flip: boolean, table?: Int32Array, scratch?: BatchScratch): Batch<'float32'> {
  const first = images[0];
  if (!first) throw ichError('ICH_E_INTERNAL', 'empty series');
  const [h, w, c] = first.shape;
  const span = 2 * context + 1;
  const cc = c * span;
  const out = scratch ? scratch.take(idx.length * h * w * cc) : new Float32Array(idx.length * h * w * cc);
  const n = images.length;
  const row = w * c;
  // plain indexed loops, contiguous when nothing is interleaved or mirrored (a closure per pixel
  // cost ~2 ms a 256² slice, a tenth of the network's time; this is ~0.15 ms)
  for (let b = 0; b < idx.length; b++) {
    const i = idx[b] as number;
    for (let d = -context; d <= context; d++) {
      const src = (images[table ? (table[i * span + d + context] as number) : neighbourIndex(i, d, n)] as Image<'uint8'>).data;
      const base = b * h * w * cc + (d + context) * c;
      if (cc === c && !flip) {
        for (let k = 0; k < h * row; k++) out[base + k] = (src[k] as number) * INV_255;
        continue;
      }
      const step = flip ? -c : c;
      for (let y = 0; y < h; y++) {
        let s = y * row + (flip ? row - c : 0);
        let o = base + y * w * cc;
        for (let x = 0; x < w; x++, s += step, o += cc) for (let ch = 0; ch < c; ch++) out[o + ch] = (src[s + ch] as number) * INV_255;
      }
    }
  }
  return { dtype: 'float32', data: out, shape: [idx.length, h, w, cc] };
}

/** Runs slices 0 … n − 1 through the engine `batch` at a time; `make` builds each batch (into the run's one scratch buffer, if it likes). */
export async function runBatched(engine: InferenceEngine, n: number, batch: number, width: number, make: (idx: number[], scratch: BatchScratch) => FloatTensor): Promise<Float32Array> {
  const out = new Float32Array(n * width);
  const scratch = createBatchScratch();
  for (let i0 = 0; i0 < n; i0 += batch) {
    const idx = Array.from({ length: Math.min(batch, n - i0) }, (_, j) => i0 + j);
    const res = await engine.run(make(idx, scratch));
    if (res.length !== idx.length * width) throw ichError('ICH_E_MODEL_FORMAT', `model returned ${res.length} values for ${idx.length} slices (expected ${width} each)`);
    out.set(res, i0 * width);
  }
  return out;
}

export function average(a: Float32Array, b: Float32Array): Float32Array {
  const o = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = ((a[i] as number) + (b[i] as number)) / 2;
  return o;
}

/** Concatenated embeddings of slices i−k … i+k for each slice: [n, F·(2k+1)]. */
export function stackEmbeddings(emb: Float32Array, n: number, features: number, context: number, idx: readonly number[], table?: Int32Array): FloatTensor {
  const span = 2 * context + 1;
  const out = new Float32Array(idx.length * features * span);
  idx.forEach((i, b) => {
    for (let d = -context; d <= context; d++) {
      const j = table ? (table[i * span + d + context] as number) : neighbourIndex(i, d, n);
      out.set(emb.subarray(j * features, (j + 1) * features), (b * span + d + context) * features);
    }
  });
  return { data: out, shape: [idx.length, features * span] };
}

/** One channel of a multi-channel map (channels last): `index` of `count`, e.g. the localiser's `any` (5 of 6). */
export interface MapChannel {
  count: number;
  index: number;
}

/**
 * The blood segmenter's probability maps of `images` (one [m, m] plane per slice, m = input size /
 * stride). With `flip`, the segmenter sees the mirrored slice and its map is mirrored back, so it
 * lines up with the unflipped slice's cavity. With `channel`, the model's map has `count` channels
 * per cell ([m, m, count], as the localiser's) and the plane is channel `index` of it. With `crop`,
 * the model sees only that box of every slice (localiser-crop.ts; mirrored within the box under
 * `flip`) and cells outside it read 0.
 */
export async function computeBloodMaps(engine: InferenceEngine, images: readonly Image<'uint8'>[], stride: number, flip: boolean, batch = 8, channel?: MapChannel, crop?: CropBox | null): Promise<Plane[]> {
  const first = images[0];
  if (!first) return [];
  const m = first.shape[0] / stride;
  const C = channel?.count ?? 1;
  const k = channel?.index ?? 0;
  const seen = crop ? images.map((im) => cropImage(im, crop)) : images;
  const rows = crop ? crop.h / stride : m;
  const cols = crop ? crop.w / stride : m;
  const y0 = crop ? crop.y0 / stride : 0;
  const x0 = crop ? crop.x0 / stride : 0;
  const all = await runBatched(engine, seen.length, batch, rows * cols * C, (idx, scratch) => buildContextBatch(seen, idx, 0, flip, undefined, scratch));
  return images.map((_, i) => {
    const data = new Float32Array(m * m);
    const base = i * rows * cols * C;
    for (let y = 0; y < rows; y++) {
      const line = data.subarray((y0 + y) * m + x0, (y0 + y) * m + x0 + cols);
      for (let x = 0; x < cols; x++) line[x] = all[base + (y * cols + x) * C + k] as number;
      if (flip) line.reverse();
    }
    return { data, shape: [m, m] };
  });
}

