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
import { buildContextBatch } from '../../model/features/slice-context.js';

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
  /** Minimum probability of its `any` channel (bilinearly upsampled) for a pixel to be blood. */
  threshold: number;
  /** A region's subtype: from the channels, or the place/shape rule of regions.ts. */
  subtypes: 'channels' | 'rule';
  /** Flip test-time augmentation. */
  tta: boolean;
}

/**
 * Chosen on the tuning set (lesions inserted into 4 training patients' series, seed 19; docs/model-card.md
 * "Localisation"): threshold 0.6 (Dice any 0.59 / 0.67 / 0.69 / 0.68 at 0.4 / 0.5 / 0.6 / 0.7), TTA on
 * (0.63 without, at 0.5), gate 0.5 (the same masks as 0.1 and 0, with 13 instead of 32 of the latency
 * study's 40 slices to run), subtypes by the place/shape rule: the tuning set preferred it (the channels
 * called its epidural subdural and its intraventricular bleed intraparenchymal). Two of the three held-out
 * sets (synthetic lesions) preferred the channels; on rsna-dev's real bleeds (slice labels: mostly
 * intraparenchymal) the channels said intraventricular or subdural, the rule intraparenchymal.
 */
export const DEFAULT_LOCALISER_PARAMS: Readonly<LocaliserParams> = Object.freeze({ enabled: true, gate: 0.5, threshold: 0.6, subtypes: 'rule', tta: true });

/** Mirrors an [m, m, C] map left-right in place. */
export function flipMapColumns(data: Float32Array, m: number, C: number): Float32Array {
  for (let y = 0; y < m; y++)
    for (let x = 0; x < m >> 1; x++) {
      const a = (y * m + x) * C;
      const b = (y * m + (m - 1 - x)) * C;
      for (let c = 0; c < C; c++) {
        const t = data[a + c] as number;
        data[a + c] = data[b + c] as number;
        data[b + c] = t;
      }
    }
  return data;
}

async function runMaps(engine: InferenceEngine, images: readonly Image<'uint8'>[], idx: readonly number[], m: number, flip: boolean, batch: number): Promise<Float32Array[]> {
  const width = m * m * SUBTYPE_MAP_CHANNELS;
  const out: Float32Array[] = [];
  for (let i0 = 0; i0 < idx.length; i0 += batch) {
    const part = idx.slice(i0, i0 + batch);
    const res = await engine.run(buildContextBatch(images, part, 0, flip));
    if (res.length !== part.length * width) throw ichError('ICH_E_MODEL_FORMAT', `localiser returned ${res.length} values for ${part.length} slices (expected ${width} each)`);
    for (let j = 0; j < part.length; j++) {
      const d = res.slice(j * width, (j + 1) * width);
      out.push(flip ? flipMapColumns(d, m, SUBTYPE_MAP_CHANNELS) : d);
    }
  }
  return out;
}

/** Maps of the slices `idx` of a series (same order), with flip TTA when asked. */
export async function computeSubtypeMaps(engine: InferenceEngine, images: readonly Image<'uint8'>[], idx: readonly number[], stride: number, tta: boolean, batch = 4): Promise<SubtypeMap[]> {
  const first = images[0];
  if (!first || idx.length === 0) return [];
  const m = first.shape[0] / stride;
  const a = await runMaps(engine, images, idx, m, false, batch);
  if (!tta) return a.map((data) => ({ data, m }));
  const b = await runMaps(engine, images, idx, m, true, batch);
  return a.map((d, j) => {
    const e = b[j] as Float32Array;
    const data = new Float32Array(d.length);
    for (let k = 0; k < d.length; k++) data[k] = ((d[k] as number) + (e[k] as number)) / 2;
    return { data, m };
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
 * `labels` are region ids over rows × cols, `count` the number of ids (0 = background).
 */
export function assignRegionSubtypes(labels: Int32Array, rows: number, cols: number, count: number, map: SubtypeMap): Uint8Array {
  const { m, data } = map;
  const sums = new Float64Array(count * 5);
  for (let y = 0; y < rows; y++) {
    const my = Math.min(m - 1, Math.floor(((y + 0.5) * m) / rows));
    for (let x = 0; x < cols; x++) {
      const id = labels[y * cols + x] as number;
      if (!id) continue;
      const mx = Math.min(m - 1, Math.floor(((x + 0.5) * m) / cols));
      const at = (my * m + mx) * SUBTYPE_MAP_CHANNELS;
      for (let k = 0; k < 5; k++) sums[id * 5 + k] = (sums[id * 5 + k] as number) + (data[at + k] as number);
    }
  }
  const code = new Uint8Array(count);
  for (let id = 1; id < count; id++) {
    let best = 0;
    for (let k = 1; k < 5; k++) if ((sums[id * 5 + k] as number) > (sums[id * 5 + best] as number)) best = k;
    code[id] = best + 1;
  }
  return code;
}
