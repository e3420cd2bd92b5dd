/**
 * Trunk embeddings of a labelled DICOM folder, for training the default model's head: every
 * series is read in z order (as predict does), and embedded in several variants — variant 0 as
 * is, the others with a per-series HU offset/scale jitter (scanners differ by several HU) and a
 * random left-right flip, drawn from a seeded RNG. Embeddings are cached on disk
 * (`<cache>.json` + `<cache>.f32`) so head experiments never recompute the trunk.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ichError } from '../../core/errors.js';
import { createRng } from '../../core/random.js';
import { SUBTYPES } from '../../core/subtypes.js';
import type { Image } from '../../core/tensor.js';
import type { WindowPreset } from '../../core/windows.js';
import { readDicomFile } from '../../dicom/index.js';
import { preprocessDecoded } from '../../preprocess/index.js';
import { labelBitsToVector, readLabelsCsv } from '../../data/labels.js';
import type { ImageId } from '../../core/ids.js';
import { createOnnxEngine, type InferenceEngine } from '../../model/onnx/runner.js';
import type { BloodMapSpec } from '../../model/card/model-card.js';
import { BLEEDSEG_STRIDE } from '../../model/architectures/bleedseg.js';
import { BLEEDSEG_FINE_CHANNELS, BLEEDSEG_FINE_SIZE_MULTIPLE, BLEEDSEG_FINE_STRIDE } from '../../model/architectures/bleedseg-fine.js';
import { computeSeriesCrop, type MapCrop } from '../../model/features/localiser-crop.js';

/** The margin of the localiser's map crop for the verdict's features: the masks' own (DEFAULT_LOCALISER_PARAMS.cropMarginPx). */
export const LOCALISER_MAP_CROP_MARGIN_PX = 4;
import { collectInputFiles, groupIntoSeries } from '../../data/collect-series.js';
import { imageIdOf } from '../../data/collect-series.js';
import { buildContextBatch, computeBloodMaps, type MapChannel } from '../../model/features/slice-context.js';
import { computeHuFeatureRows, countHuRowFeatures, joinSecondMapColumns, SECOND_MAP_ROW_FEATURES } from '../../model/features/hu-features.js';
import type { HuRegion } from '../../model/features/cavity.js';

/** A blood segmenter (blood.onnx) and its output stride. */
export interface BloodMapEngine {
  engine: InferenceEngine;
  stride: number;
  /** Which channel of a multi-channel map (the localiser's `any`); absent = a one-channel map. */
  channel?: MapChannel;
  /** Run on the box around each series' cavities (localiser-crop.ts); absent = the whole frame. */
  crop?: MapCrop;
}

/** The card's record of a blood map opened by openBloodMap, shipped as `file` (model-card.ts, BloodMapSpec). */
export function describeBloodMap(file: string, b: BloodMapEngine): BloodMapSpec {
  return { file, stride: b.stride, ...(b.channel ? { channel: b.channel } : {}), ...(b.crop ? { crop: b.crop } : {}) };
}

/** The map features' source: the stride-4 blood segmenter (`blood.onnx`) or the localiser (`seg.onnx`, its `any` channel). */
export type BloodMapKind = 'bleedseg' | 'localiser';

/** Opens a blood map file of the given kind on ONNX Runtime's CPU provider. */
export async function openBloodMap(file: string, kind: string): Promise<BloodMapEngine> {
  if (kind !== 'bleedseg' && kind !== 'localiser') throw ichError('ICH_E_USAGE', `blood map kind "${kind}" (bleedseg or localiser)`);
  const engine = await createOnnxEngine(file, { provider: 'cpu' });
  // the localiser's map on the box around the cavities, as it runs for the masks (margin 4 px on its 8-px grid): half the frame's cost
  return kind === 'bleedseg'
    ? { engine, stride: BLEEDSEG_STRIDE }
    : { engine, stride: BLEEDSEG_FINE_STRIDE, channel: { count: BLEEDSEG_FINE_CHANNELS, index: BLEEDSEG_FINE_CHANNELS - 1 }, crop: { marginPx: LOCALISER_MAP_CROP_MARGIN_PX, multiple: BLEEDSEG_FINE_SIZE_MULTIPLE } };
}

export interface EmbeddedSeries {
  /** Grouping key for cross-validation (PatientID, else StudyInstanceUID). */
  group: string;
  seriesInstanceUid: string;
  imageIds: string[];
  /** [n, 6] labels, SUBTYPES order. */
  labels: Float32Array;
  /** One [n, F] embedding matrix per variant (variant 0 = no augmentation). */
  variants: Float32Array[];
}

export interface EmbeddedDataset {
  name: string;
  features: number;
  series: EmbeddedSeries[];
}

export interface EmbedOptions {
  name: string;
  size: number;
  windows: readonly WindowPreset[];
  variants: number;
  seed: number;
  /** Max |HU offset| and max |scale − 1| of the jitter (defaults 10 HU and 0.05). */
  huOffset?: number;
  huScale?: number;
}

interface CacheMeta {
  name: string;
  features: number;
  options: Record<string, unknown>;
  series: { group: string; seriesInstanceUid: string; imageIds: string[]; labels: number[]; offset: number }[];
  variants: number;
}

/** Loads a cached dataset when its options match, else undefined. */
export function readEmbeddingCache(prefix: string, options: Record<string, unknown>): EmbeddedDataset | undefined {
  if (!existsSync(`${prefix}.json`) || !existsSync(`${prefix}.f32`)) return undefined;
  const meta = JSON.parse(readFileSync(`${prefix}.json`, 'utf8')) as CacheMeta;
  if (JSON.stringify(meta.options) !== JSON.stringify(options)) return undefined;
  const buf = readFileSync(`${prefix}.f32`);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const F = meta.features;
  return {
    name: meta.name,
    features: F,
    series: meta.series.map((s) => {
      const n = s.imageIds.length;
      return {
        group: s.group,
        seriesInstanceUid: s.seriesInstanceUid,
        imageIds: s.imageIds,
        labels: Float32Array.from(s.labels),
        variants: Array.from({ length: meta.variants }, (_, v) => all.slice(s.offset + v * n * F, s.offset + (v + 1) * n * F)),
      };
    }),
  };
}

export function writeEmbeddingCache(prefix: string, ds: EmbeddedDataset, options: Record<string, unknown>): void {
  let offset = 0;
  const chunks: Float32Array[] = [];
  const series = ds.series.map((s) => {
    const entry = { group: s.group, seriesInstanceUid: s.seriesInstanceUid, imageIds: s.imageIds, labels: [...s.labels], offset };
    for (const v of s.variants) {
      chunks.push(v);
      offset += v.length;
    }
    return entry;
  });
  const all = new Float32Array(offset);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  const meta: CacheMeta = { name: ds.name, features: ds.features, options, series, variants: ds.series[0]?.variants.length ?? 0 };
  writeFileSync(`${prefix}.f32.tmp`, new Uint8Array(all.buffer));
  renameSync(`${prefix}.f32.tmp`, `${prefix}.f32`);
  writeFileSync(`${prefix}.json`, JSON.stringify(meta));
}

/**
 * Embeds every labelled slice under `imagesDir` (labels from a Kaggle CSV). Slices without labels
 * are dropped; unreadable files are counted in `failures`.
 */
/** Turns the preprocessed slices of one series (optionally flipped) into [n, features]. */
export interface SliceEmbedder {
  features: number;
  embed(images: readonly Image<'uint8'>[], flip: boolean): Promise<Float32Array>;
}

/** The trunk network as an embedder, in batches. */
export function trunkEmbedder(trunk: InferenceEngine, features: number, batch = 8, onSlice?: () => void): SliceEmbedder {
  return {
    features,
    async embed(images, flip) {
      const emb = new Float32Array(images.length * features);
      for (let i0 = 0; i0 < images.length; i0 += batch) {
        const idx = Array.from({ length: Math.min(batch, images.length - i0) }, (_, j) => i0 + j);
        const res = await trunk.run(buildContextBatch(images, idx, 0, flip));
        if (res.length !== idx.length * features) throw ichError('ICH_E_MODEL_FORMAT', `trunk gave ${res.length / idx.length} features, expected ${features}`);
        emb.set(res, i0 * features);
        for (let j = 0; j < idx.length; j++) onSlice?.();
      }
      return emb;
    },
  };
}

/** Handcrafted HU features as an embedder, with the blood map's features when a segmenter is given
 * (the HU features are flip-invariant; the segmenter sees the flipped slice, as predict's TTA does). */
export function huEmbedder(windows: readonly WindowPreset[], blood?: BloodMapEngine, region: HuRegion = 'frame'): SliceEmbedder {
  return {
    features: countHuRowFeatures(blood !== undefined),
    embed: async (images, flip) => computeHuFeatureRows(images, windows, blood ? await computeBloodMaps(blood.engine, images, blood.stride, flip, 8, blood.channel, blood.crop ? computeSeriesCrop(images, windows, blood.crop) : null) : undefined, region),
  };
}

export async function embedLabelledFolder(embedder: SliceEmbedder, imagesDir: string, labelsCsv: string, opts: EmbedOptions): Promise<{ dataset: EmbeddedDataset; failures: number }> {
  const features = embedder.features;
  const table = await readLabelsCsv(labelsCsv);
  const { files } = collectInputFiles([imagesDir], process.cwd());
  const { series, failures } = groupIntoSeries(files);
  const rng = createRng(opts.seed);
  const out: EmbeddedSeries[] = [];
  let failed = failures.length;
  for (const g of series) {
    const decoded = [];
    const ids: string[] = [];
    const labels: number[] = [];
    for (const ref of g.slices) {
      const id = imageIdOf({ file: ref.file, sopInstanceUid: String(ref.meta.sopInstanceUid) });
      const bits = table.labels.get(id as ImageId);
      if (bits === undefined) continue;
      try {
        decoded.push({ d: await readDicomFile(ref.file), frame: ref.frame });
        ids.push(id);
        labels.push(...labelBitsToVector(bits));
      } catch {
        failed++;
      }
    }
    if (decoded.length === 0) continue;
    const group = String(decoded[0]?.d.meta.patientId ?? g.studyInstanceUid);
    const variants: Float32Array[] = [];
    for (let v = 0; v < opts.variants; v++) {
      const huOffset = v === 0 ? 0 : (rng.next() * 2 - 1) * (opts.huOffset ?? 10);
      const huScale = v === 0 ? 1 : 1 + (rng.next() * 2 - 1) * (opts.huScale ?? 0.05);
      const flip = v === 0 ? false : rng.chance(0.5);
      const images: Image<'uint8'>[] = decoded.map(({ d, frame }) =>
        preprocessDecoded(d, { size: opts.size, windows: opts.windows, dtype: 'uint8', huOffset, huScale }, frame),
      );
      variants.push(await embedder.embed(images, flip));
    }
    out.push({ group, seriesInstanceUid: g.seriesInstanceUid, imageIds: ids, labels: Float32Array.from(labels), variants });
  }
  if (out.length === 0) throw ichError('ICH_E_EMPTY_DATASET', `no labelled slices under ${imagesDir}`);
  return { dataset: { name: opts.name, features, series: out }, failures: failed };
}

export const LABEL_WIDTH = SUBTYPES.length;

/** A synth folder's manifest (seed, studies, prevalence, …), else its path: what the model card records. */
export function readSynthManifest(dir: string): unknown {
  const m = join(dir, '.synth', 'manifest.json');
  return existsSync(m) ? (JSON.parse(readFileSync(m, 'utf8')) as unknown) : dir;
}

/**
 * Concatenates two embeddings of the same slices (same folder, same seed and variants) row by
 * row: [n, Fa] ‖ [n, Fb] → [n, Fa + Fb]. Throws ICH_E_INTERNAL when the series do not line up.
 */
export function joinEmbeddings(a: EmbeddedDataset, b: EmbeddedDataset): EmbeddedDataset {
  const Fa = a.features;
  const Fb = b.features;
  const byUid = new Map(b.series.map((s) => [s.seriesInstanceUid, s]));
  return {
    name: `${a.name}+${b.name}`,
    features: Fa + Fb,
    series: a.series.map((s) => {
      const t = byUid.get(s.seriesInstanceUid);
      if (!t || t.imageIds.join() !== s.imageIds.join() || t.variants.length !== s.variants.length) throw ichError('ICH_E_INTERNAL', `embeddings of series ${s.seriesInstanceUid} do not line up`);
      const n = s.imageIds.length;
      const variants = s.variants.map((va, v) => {
        const vb = t.variants[v] as Float32Array;
        const out = new Float32Array(n * (Fa + Fb));
        for (let i = 0; i < n; i++) {
          out.set(va.subarray(i * Fa, (i + 1) * Fa), i * (Fa + Fb));
          out.set(vb.subarray(i * Fb, (i + 1) * Fb), i * (Fa + Fb) + Fa);
        }
        return out;
      });
      return { ...s, variants };
    }),
  };
}

/** Two HU embeddings of the same slices with different blood maps → one with both maps' features (joinSecondMapColumns). */
export function joinSecondMap(a: EmbeddedDataset, b: EmbeddedDataset): EmbeddedDataset {
  const byUid = new Map(b.series.map((s) => [s.seriesInstanceUid, s]));
  return {
    name: `${a.name}+map2`,
    features: SECOND_MAP_ROW_FEATURES,
    series: a.series.map((s) => {
      const t = byUid.get(s.seriesInstanceUid);
      if (!t || t.imageIds.join() !== s.imageIds.join() || t.variants.length !== s.variants.length) throw ichError('ICH_E_INTERNAL', `second-map embedding of series ${s.seriesInstanceUid} does not line up`);
      return { ...s, variants: s.variants.map((va, v) => joinSecondMapColumns(va, t.variants[v] as Float32Array, s.imageIds.length)) };
    }),
  };
}
