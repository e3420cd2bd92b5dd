/**
 * The localisation segmenter's maps (`bleedseg-fine`, the card's `localiser`): per slice an
 * [m, m, 6] probability map (m = input size / stride; channels: the five subtypes then any, SUBTYPES
 * order), with flip test-time augmentation (the mean of the map and the mirrored-back map of the
 * mirrored slice: a mirrored slice gives exactly the mirrored map, tested), and the subtype of a
 * bleed region read from it (the subtype channel with the highest mean probability over the region).
 */
import { ichError } from '../../core/errors.js';
import type { Image, Plane } from '../../core/tensor.js';
import type { InferenceEngine } from '../../model/onnx/runner.js';
import { buildContextBatch, createBatchScratch } from '../../model/features/slice-context.js';
import { cropImage, type CropBox } from '../../model/features/localiser-crop.js';

/** Channels of the localiser's output. */
export const SUBTYPE_MAP_CHANNELS = 6;

/** One slice's map: NHWC [m, m, 6] row-major. */
export interface SubtypeMap {
  data: Float32Array;
  m: number;
}

export interface LocaliserParams {
  /** Use the localiser when the model folder has one (false: the stride-4 map and the place/shape rule). */
  enabled: boolean;
  /** Run it only on slices whose stride-4 blood map (blood.onnx) reaches this maximum; 0 = every slice. */
  gate: number;
  /** Also skip the slices where the verdict already ran the localiser (its any channel is the card's
   * second blood map) and that pass cannot reach `threshold` (exact: their masks are empty either way). */
  skipOnOwnPass: boolean;
  /** Minimum probability of its `any` channel (bilinearly upsampled) for a pixel to be blood. */
  threshold: number;
  /** A region's subtype: from the channels, the place/shape rule of regions.ts, or 'hybrid' (the
   * channels say extra- or intra-axial, the rule the rest; regions.ts). */
  subtypes: 'channels' | 'rule' | 'hybrid';
  /** Flip test-time augmentation. */
  tta: boolean;
  /** Run on the box around the slices' cavities (localiser-crop.ts) when the model takes any size; false: the whole frame. */
  crop: boolean;
  /** The box's margin around the cavities, input pixels (≈ 0.9 mm each at 256 px). */
  cropMarginPx: number;
}

/**
 * Chosen on the tuning set (lesions inserted into 4 training patients' series, seed 19; docs/model-card.md
 * "Localisation"): threshold 0.6 (Dice any 0.59 / 0.67 / 0.69 / 0.68 at 0.4 / 0.5 / 0.6 / 0.7), TTA on
 * (0.63 without, at 0.5), gate 0.5 (the same masks as 0.1 and 0, with 13 instead of 32 of the latency
 * study's 40 slices to run), subtypes by the place/shape rule: the tuning set preferred it (the channels
 * called its epidural subdural and its intraventricular bleed intraparenchymal). Two of the three held-out
 * sets (synthetic lesions) preferred the channels; on rsna-dev's real bleeds (slice labels: mostly
 * intraparenchymal) the channels said intraventricular or subdural, the rule intraparenchymal.
 * 'hybrid' (2 Dec) won on the tuning set and the inserted held-out sets but called real
 * intraparenchymal bleeds extra-axial in the same way, so the rule stays. The crop's margin, on the
 * tuning set regenerated on 2 Dec (seed 19 into all 12 training patients' series): 0 / 4 / 8 / 16 px /
 * whole frame → Dice any 0.780 / 0.779 / 0.767 / 0.757 / 0.752, volume median |Δ| 1.49 / 1.53 / 1.69 /
 * 1.74 / 1.60 mL; 4 px keeps a little skull in view at the Dice of 0.
 */
export const DEFAULT_LOCALISER_PARAMS: Readonly<LocaliserParams> = Object.freeze({ enabled: true, gate: 0.5, skipOnOwnPass: true, threshold: 0.6, subtypes: 'rule', tta: true, crop: true, cropMarginPx: 4 });

/** Mirrors a [rows, cols, C] map left-right in place (cols defaults to rows: a square map). */
export function flipMapColumns(data: Float32Array, rows: number, C: number, cols = rows): Float32Array {
  for (let y = 0; y < rows; y++)
    for (let x = 0; x < cols >> 1; x++) {
      const a = (y * cols + x) * C;
      const b = (y * cols + (cols - 1 - x)) * C;
      for (let c = 0; c < C; c++) {
        const t = data[a + c] as number;
        data[a + c] = data[b + c] as number;
        data[b + c] = t;
      }
    }
  return data;
}

/** The maps ([rows, cols, 6] each) of images `idx`, mirrored back when the images were mirrored. */
async function runMaps(engine: InferenceEngine, images: readonly Image<'uint8'>[], idx: readonly number[], stride: number, flip: boolean, batch: number): Promise<Float32Array[]> {
  const [h, w] = (images[idx[0] as number] as Image<'uint8'>).shape;
  const rows = h / stride;
  const cols = w / stride;
  const width = rows * cols * SUBTYPE_MAP_CHANNELS;
  const out: Float32Array[] = [];
  const scratch = createBatchScratch();
  for (let i0 = 0; i0 < idx.length; i0 += batch) {
    const part = idx.slice(i0, i0 + batch);
    const res = await engine.run(buildContextBatch(images, part, 0, flip, undefined, scratch));
    if (res.length !== part.length * width) throw ichError('ICH_E_MODEL_FORMAT', `localiser returned ${res.length} values for ${part.length} slices (expected ${width} each)`);
    for (let j = 0; j < part.length; j++) {
      const d = res.slice(j * width, (j + 1) * width);
      out.push(flip ? flipMapColumns(d, rows, SUBTYPE_MAP_CHANNELS, cols) : d);
    }
  }
  return out;
}

/** Writes a box's [rows, cols, 6] map into a whole-frame [m, m, 6] map that is 0 elsewhere. */
function pasteMap(part: Float32Array, box: CropBox, stride: number, m: number): Float32Array {
  const C = SUBTYPE_MAP_CHANNELS;
  const rows = box.h / stride;
  const cols = box.w / stride;
  const out = new Float32Array(m * m * C);
  for (let y = 0; y < rows; y++) out.set(part.subarray(y * cols * C, (y + 1) * cols * C), ((box.y0 / stride + y) * m + box.x0 / stride) * C);
  return out;
}

export interface SubtypeMapOptions {
  /** Flip test-time augmentation. */
  tta: boolean;
  /** Slices per engine call (default 4). */
  batch?: number;
  /** Run on this box of every slice (see below); null or absent: the whole frame. */
  crop?: CropBox | null;
  /**
   * With TTA: a slice whose unflipped `any` channel stays below this everywhere gets no flipped
   * pass and an all-zero map. Exact for a mask thresholded at t when this is 2t − 1: the mean of
   * the two maps (and its bilinear samples) cannot reach t where one of them is below 2t − 1.
   */
  flipAbove?: number;
}

/**
 * Maps of the slices `idx` of a series (same order), with flip TTA when asked. With `crop`, the
 * localiser sees only that box of every slice (localiser-crop.ts: the model must take any size
 * that is a multiple of its strides, and the box's corner must lie on the stride grid); the maps
 * are whole-frame maps all the same, 0 outside the box.
 */
export async function computeSubtypeMaps(engine: InferenceEngine, images: readonly Image<'uint8'>[], idx: readonly number[], stride: number, o: SubtypeMapOptions): Promise<SubtypeMap[]> {
  const first = images[0];
  if (!first || idx.length === 0) return [];
  const m = first.shape[0] / stride;
  const batch = o.batch ?? 4;
  const crop = o.crop ?? null;
  // the cropped slices in idx order (so the runs below index them 0 … n − 1)
  const seen = crop ? idx.map((i) => cropImage(images[i] as Image<'uint8'>, crop)) : images;
  const order = crop ? idx.map((_, j) => j) : idx;
  const a = await runMaps(engine, seen, order, stride, false, batch);
  const anyMax = (d: Float32Array): number => {
    let mx = 0;
    for (let k = 5; k < d.length; k += SUBTYPE_MAP_CHANNELS) if ((d[k] as number) > mx) mx = d[k] as number;
    return mx;
  };
  // which of the slices get the flipped pass (positions in `order`)
  const flipped = o.tta ? order.map((_, j) => j).filter((j) => o.flipAbove === undefined || anyMax(a[j] as Float32Array) >= o.flipAbove) : [];
  const b = flipped.length > 0 ? await runMaps(engine, seen, flipped.map((j) => order[j] as number), stride, true, batch) : [];
  const flipOf = new Map(flipped.map((j, q) => [j, b[q] as Float32Array]));
  return a.map((d, j) => {
    let data = d;
    const e = flipOf.get(j);
    if (o.tta && !e) data = new Float32Array(d.length); // below flipAbove: no blood can come of it
    else if (e) {
      data = new Float32Array(d.length);
      for (let k = 0; k < d.length; k++) data[k] = ((d[k] as number) + (e[k] as number)) / 2;
    }
    return { data: crop ? pasteMap(data, crop, stride, m) : data, m };
  });
}

/** The `any` channel of a map as a plane (what computeBleedMask thresholds). */
export function anyChannelOf(map: SubtypeMap): Plane {
  const { m, data } = map;
  const out = new Float32Array(m * m);
  for (let i = 0; i < m * m; i++) out[i] = data[i * SUBTYPE_MAP_CHANNELS + 5] as number;
  return { data: out, shape: [m, m] };
}

/**
 * Subtype code (1..5 = HEMORRHAGE_SUBTYPES[k − 1]) of each labelled region: the subtype channel
 * with the highest mean probability over the region's pixels (each source pixel reads its map cell).
 * `labels` are region ids over rows × cols — or over `win`, a window of the rows × cols slice —
 * and `count` the number of ids (0 = background).
 */
export function assignRegionSubtypes(labels: Int32Array, rows: number, cols: number, count: number, map: SubtypeMap, win?: { y0: number; x0: number; h: number; w: number }): Uint8Array {
  const sums = sumRegionChannels(labels, rows, cols, count, map, win);
  const code = new Uint8Array(count);
  for (let id = 1; id < count; id++) {
    let best = 0;
    for (let k = 1; k < 5; k++) if ((sums[id * 5 + k] as number) > (sums[id * 5 + best] as number)) best = k;
    code[id] = best + 1;
  }
  return code;
}

/** Per region id the sums of the five subtype channels over its pixels: [count, 5] (HEMORRHAGE_SUBTYPES order). */
export function sumRegionChannels(labels: Int32Array, rows: number, cols: number, count: number, map: SubtypeMap, win?: { y0: number; x0: number; h: number; w: number }): Float64Array {
  const { m, data } = map;
  const w = win ?? { y0: 0, x0: 0, h: rows, w: cols };
  const sums = new Float64Array(count * 5);
  for (let y = 0; y < w.h; y++) {
    const my = Math.min(m - 1, Math.floor(((w.y0 + y + 0.5) * m) / rows));
    for (let x = 0; x < w.w; x++) {
      const id = labels[y * w.w + x] as number;
      if (!id) continue;
      const mx = Math.min(m - 1, Math.floor(((w.x0 + x + 0.5) * m) / cols));
      const at = (my * m + mx) * SUBTYPE_MAP_CHANNELS;
      for (let k = 0; k < 5; k++) sums[id * 5 + k] = (sums[id * 5 + k] as number) + (data[at + k] as number);
    }
  }
  return sums;
}
