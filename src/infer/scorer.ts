/**
 * Scores the ordered slices of one series with a model folder: builds the 2.5D context the card
 * asks for, batches, runs ONNX Runtime, and optionally averages with a horizontally flipped pass
 * (`tta`). Slices come in as preprocessed uint8 HWC images (windows as channels, value = 255·v),
 * the same quantisation as the tensor cache; they are fed to the model as v = u8 / 255.
 */
import { join } from 'node:path';
import { ichError } from '../core/errors.js';
import type { Batch, Image, Plane } from '../core/tensor.js';
import { createOnnxEngine, type FloatTensor, type InferenceEngine, type OnnxProvider } from '../model/onnx/runner.js';
import { readModelCard, type ModelCard } from './model-card.js';
import { ensureDerivedTrunk } from './derive-trunk.js';
import { computeHuFeatureRows, countHuRowFeatures } from './hu-features.js';

const K = 6;

export interface ScoreOptions {
  /** Average with the left-right flipped image (test-time augmentation). */
  tta?: boolean;
  /** Slice positions along the normal, mm (same order as the images); enables spacing-aware context. */
  z?: readonly (number | null)[];
}

export interface SeriesScorer {
  readonly card: ModelCard;
  readonly dir: string;
  /** Engine description, e.g. `onnxruntime-cpu`. */
  readonly engineName: string;
  /** Probabilities n × 6 (SUBTYPES order) for the n ordered slices of one series. */
  scoreSeries(images: readonly Image<'uint8'>[], opts?: ScoreOptions): Promise<Float32Array>;
  /** The same probabilities, plus the blood segmenter's maps of the slices when the model has one
   * (flip TTA averages the map with the mirrored-back map of the flipped slice). */
  scoreSeriesWithMaps(images: readonly Image<'uint8'>[], opts?: ScoreOptions): Promise<SeriesScores>;
  dispose(): Promise<void>;
}

export interface SeriesScores {
  probabilities: Float32Array;
  /** One [m, m] probability plane per slice (m = input size / stride); undefined without a segmenter. */
  bloodMaps: Plane[] | undefined;
}

export interface OpenScorerOptions {
  threads?: number;
  provider?: OnnxProvider;
  /** Slices per engine call (default 8). */
  batch?: number;
  /** Status lines (e.g. "deriving the trunk"). */
  onStatus?: (line: string) => void;
}

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

function checkImages(images: readonly Image<'uint8'>[], card: ModelCard): void {
  for (const im of images) {
    const [h, w, c] = im.shape;
    if (h !== card.inputSize || w !== card.inputSize || c !== card.windows.length) {
      throw ichError('ICH_E_INTERNAL', `slice image ${h}×${w}×${c}, model expects ${card.inputSize}×${card.inputSize}×${card.windows.length}`);
    }
  }
}

async function runBatched(engine: InferenceEngine, n: number, batch: number, width: number, make: (idx: number[]) => FloatTensor): Promise<Float32Array> {
  const out = new Float32Array(n * width);
  for (let i0 = 0; i0 < n; i0 += batch) {
    const idx = Array.from({ length: Math.min(batch, n - i0) }, (_, j) => i0 + j);
    const res = await engine.run(make(idx));
    if (res.length !== idx.length * width) throw ichError('ICH_E_MODEL_FORMAT', `model returned ${res.length} values for ${idx.length} slices (expected ${width} each)`);
    out.set(res, i0 * width);
  }
  return out;
}

function average(a: Float32Array, b: Float32Array): Float32Array {
  const o = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = ((a[i] as number) + (b[i] as number)) / 2;
  return o;
}

/** Row-wise concatenation [n, Fa] ‖ [n, Fb]. */
function appendColumns(a: Float32Array, Fa: number, b: Float32Array, Fb: number, n: number): Float32Array {
  const out = new Float32Array(n * (Fa + Fb));
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * Fa, (i + 1) * Fa), i * (Fa + Fb));
    out.set(b.subarray(i * Fb, (i + 1) * Fb), i * (Fa + Fb) + Fa);
  }
  return out;
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

/** Opens a model folder for scoring. Throws ICH_E_MODEL_NOT_FOUND / ICH_E_MODEL_FORMAT. */
export async function openScorer(dir: string, opts: OpenScorerOptions = {}): Promise<SeriesScorer> {
  const card = readModelCard(dir);
  const batch = opts.batch ?? 8;
  const engineOpts = { ...(opts.threads === undefined ? {} : { threads: opts.threads }), ...(opts.provider === undefined ? {} : { provider: opts.provider }) };
  if (card.kind === 'slice') {
    const file = join(dir, 'model.onnx');
    const engine = await createOnnxEngine(file, { ...engineOpts, file });
    const scoreSeries = async (images: readonly Image<'uint8'>[], so: ScoreOptions = {}): Promise<Float32Array> => {
      checkImages(images, card);
      const table = neighbourTable(images.length, card.context, so.z, card.contextSpacingMm);
      const run = (flip: boolean): Promise<Float32Array> => runBatched(engine, images.length, batch, K, (idx) => buildContextBatch(images, idx, card.context, flip, table));
      const p = await run(false);
      return so.tta ? average(p, await run(true)) : p;
    };
    return {
      card,
      dir,
      engineName: engine.name,
      scoreSeries,
      scoreSeriesWithMaps: async (images, so = {}) => ({ probabilities: await scoreSeries(images, so), bloodMaps: undefined }),
      dispose: () => engine.dispose(),
    };
  }
  const trunkSpec = card.trunk as NonNullable<ModelCard['trunk']>;
  // features 0: no network trunk, the head reads the HU density features only
  let trunk: InferenceEngine | undefined;
  if (trunkSpec.features > 0) {
    const trunkFile = trunkSpec.file ? join(dir, trunkSpec.file) : await ensureDerivedTrunk(trunkSpec.derive ?? 'nsfwjs-inceptionv3-gap', card.inputSize, card.windows.length, opts.onStatus);
    trunk = await createOnnxEngine(trunkFile, { ...engineOpts, file: trunkFile });
  }
  const bloodSpec = trunkSpec.bloodMap;
  const bloodFile = bloodSpec ? join(dir, bloodSpec.file) : undefined;
  const blood = bloodFile ? await createOnnxEngine(bloodFile, { ...engineOpts, file: bloodFile }) : undefined;
  const headFile = join(dir, 'head.onnx');
  const head = await createOnnxEngine(headFile, { ...engineOpts, provider: 'cpu', file: headFile });
  const Ft = trunkSpec.features;
  const Fh = trunkSpec.huFeatures ? countHuRowFeatures(blood !== undefined) : 0;
  const F = Ft + Fh;
  const scoreSeriesWithMaps = async (images: readonly Image<'uint8'>[], so: ScoreOptions = {}): Promise<SeriesScores> => {
    checkImages(images, card);
    const n = images.length;
    const score = async (flip: boolean): Promise<SeriesScores> => {
      let emb = trunk ? await runBatched(trunk, n, batch, Ft, (idx) => buildContextBatch(images, idx, 0, flip)) : new Float32Array(0);
      let maps: Plane[] | undefined;
      if (trunkSpec.huFeatures) {
        maps = blood && bloodSpec ? await computeBloodMaps(blood, images, bloodSpec.stride, flip, batch) : undefined;
        emb = appendColumns(emb, Ft, computeHuFeatureRows(images, card.windows, maps), Fh, n);
      }
      const table = neighbourTable(n, card.context, so.z, card.contextSpacingMm);
      return { probabilities: await runBatched(head, n, 256, K, (idx) => stackEmbeddings(emb, n, F, card.context, idx, table)), bloodMaps: maps };
    };
    const a = await score(false);
    if (!so.tta) return a;
    const b = await score(true);
    const maps = a.bloodMaps && b.bloodMaps ? a.bloodMaps.map((m, i) => ({ data: average(m.data, (b.bloodMaps as Plane[])[i]?.data ?? m.data), shape: m.shape })) : a.bloodMaps;
    return { probabilities: average(a.probabilities, b.probabilities), bloodMaps: maps };
};
  return {
    card,
    dir,
    engineName: trunk?.name ?? blood?.name ?? 'onnxruntime-cpu (head only)',
    scoreSeries: async (images, so = {}) => (await scoreSeriesWithMaps(images, so)).probabilities,
    scoreSeriesWithMaps,
    async dispose() {
      await trunk?.dispose();
      await blood?.dispose();
      await head.dispose();
    },
  };
}
