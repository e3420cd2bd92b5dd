/**
 * The 2.5D context of a z-ordered series, shared by scoring (src/infer) and training the default
 * model's head (src/train/default-model): which slice serves as each neighbour (spacing-aware
 * for thin series), NHWC float batches of slices with their neighbours' channels, stacked
 * per-slice embeddings, batched engine calls and the blood segmenter's maps.
 */
import { ichError } from '../../core/errors.js';
import type { Batch, Image, Plane } from '../../core/tensor.js';
import type { FloatTensor, InferenceEngine } from '../onnx/runner.js';

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
 * NHWC float32 batch of slices `idx`, each with the channels of slices i−k … i+k stacked in
 * that order (k = context), optionally flipped left-right.
 */
export function buildContextBatch(images: readonly Image<'uint8'>[], idx: readonly number[], context: number, flip: boolean, table?: Int32Array): Batch<'float32'> {
  const first = images[0];
  if (!first) throw ichError('ICH_E_INTERNAL', 'empty series');
  const [h, w, c] = first.shape;
  const span = 2 * context + 1;
  const cc = c * span;
  const out = new Float32Array(idx.length * h * w * cc);
  const n = images.length;
  idx.forEach((i, b) => {
    for (let d = -context; d <= context; d++) {
      const src = (images[table ? (table[i * span + d + context] as number) : neighbourIndex(i, d, n)] as Image<'uint8'>).data;
      const off = (d + context) * c;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const sx = flip ? w - 1 - x : x;
          const s = (y * w + sx) * c;
          const o = ((b * h + y) * w + x) * cc + off;
          for (let ch = 0; ch < c; ch++) out[o + ch] = (src[s + ch] as number) / 255;
        }
      }
    }
  });
  return { dtype: 'float32', data: out, shape: [idx.length, h, w, cc] };
}

export async function runBatched(engine: InferenceEngine, n: number, batch: number, width: number, make: (idx: number[]) => FloatTensor): Promise<Float32Array> {
  const out = new Float32Array(n * width);
  for (let i0 = 0; i0 < n; i0 += batch) {
    const idx = Array.from({ length: Math.min(batch, n - i0) }, (_, j) => i0 + j);
    const res = await engine.run(make(idx));
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

/**
 * The blood segmenter's probability maps of `images` (one [m, m] plane per slice, m = input size /
 * stride). With `flip`, the segmenter sees the mirrored slice and its map is mirrored back, so it
 * lines up with the unflipped slice's cavity.
 */
export async function computeBloodMaps(engine: InferenceEngine, images: readonly Image<'uint8'>[], stride: number, flip: boolean, batch = 8): Promise<Plane[]> {
  const first = images[0];
  if (!first) return [];
  const m = first.shape[0] / stride;
  const all = await runBatched(engine, images.length, batch, m * m, (idx) => buildContextBatch(images, idx, 0, flip));
  return images.map((_, i) => {
    const data = all.slice(i * m * m, (i + 1) * m * m);
    if (flip) for (let y = 0; y < m; y++) data.subarray(y * m, (y + 1) * m).reverse();
    return { data, shape: [m, m] };
  });
}

