/**
 * Scores the ordered slices of one series with a model folder: builds the 2.5D context the card
 * asks for, batches, runs ONNX Runtime, and optionally averages with a horizontally flipped pass
 * (`tta`). Slices come in as preprocessed uint8 HWC images (windows as channels, value = 255·v),
 * the same quantisation as the tensor cache; they are fed to the model as v = u8 / 255.
 */
import { join } from 'node:path';
import { ichError } from '../core/errors.js';
import type { Image, Plane } from '../core/tensor.js';
import { createOnnxEngine, type InferenceEngine, type OnnxProvider } from '../model/onnx/runner.js';
import { average, buildContextBatch, computeBloodMaps, neighbourTable, runBatched, stackEmbeddings } from '../model/features/slice-context.js';
import { readModelCard, type BloodMapSpec, type ModelCard } from '../model/card/model-card.js';
import { ensureDerivedTrunk } from '../model/onnx/derive-trunk.js';
import { appendSecondMapColumns, computeHuFeatureRows, computeSecondMapColumns, countHuRowFeatures, SECOND_MAP_ROW_FEATURES } from '../model/features/hu-features.js';
import { runStudyHead, splitBySpacing } from './study-sequence.js';
import { computeSubtypeMaps, type SubtypeMap } from './localise/subtype-map.js';
import { computeLocaliserCrop, computeSeriesCrop, LOCALISER_SIZE_MULTIPLE } from '../model/features/localiser-crop.js';
import { computeSliceCavity } from '../model/features/cavity.js';
import { hasFreeSpatialDims } from '../model/onnx/relax-dims.js';

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
  /** The card's localiser maps of slices `idx` (same order; flip TTA when asked); undefined when the model has none. */
  localiseSlices?(images: readonly Image<'uint8'>[], idx: readonly number[], o: LocaliseSlicesOptions): Promise<SubtypeMap[]>;
  dispose(): Promise<void>;
}

export interface LocaliseSlicesOptions {
  tta: boolean;
  /** Run on the box around the slices' cavities grown by this many input pixels (when the model takes any size). */
  cropMarginPx?: number;
  /** See SubtypeMapOptions.flipAbove. */
  flipAbove?: number;
}

export interface SeriesScores {
  probabilities: Float32Array;
  /** One [m, m] probability plane per slice (m = input size / stride); undefined without a segmenter. */
  bloodMaps: Plane[] | undefined;
  /** The localiser's own `any` channel per slice, when the verdict's second blood map is exactly that
   * (card: secondBloodMap names the localiser's file and its any channel): predict does not run the
   * localiser again on slices where this pass cannot reach the mask threshold. */
  localiserAnyMaps?: Plane[];
}

export interface OpenScorerOptions {
  threads?: number;
  provider?: OnnxProvider;
  /** Slices per engine call (default 8). */
  batch?: number;
  /** Status lines (e.g. "deriving the trunk"). */
  onStatus?: (line: string) => void;
}

function checkImages(images: readonly Image<'uint8'>[], card: ModelCard): void {
  for (const im of images) {
    const [h, w, c] = im.shape;
    if (h !== card.inputSize || w !== card.inputSize || c !== card.windows.length) {
      throw ichError('ICH_E_INTERNAL', `slice image ${h}×${w}×${c}, model expects ${card.inputSize}×${card.inputSize}×${card.windows.length}`);
    }
  }
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
      const run = (flip: boolean): Promise<Float32Array> => runBatched(engine, images.length, batch, K, (idx, scratch) => buildContextBatch(images, idx, card.context, flip, table, scratch));
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
  const locSpec = card.localiser;
  const locFile = locSpec ? join(dir, locSpec.file) : undefined;
  // a localiser that is also a blood map (trunk.bloodMap or secondBloodMap names its file) runs in one session
  const localiser = locFile ? (locFile === bloodFile ? blood : await createOnnxEngine(locFile, { ...engineOpts, file: locFile })) : undefined;
  const secondSpec = trunkSpec.secondBloodMap;
  const secondFile = secondSpec ? join(dir, secondSpec.file) : undefined;
  const second = secondFile ? (secondFile === locFile ? localiser : secondFile === bloodFile ? blood : await createOnnxEngine(secondFile, { ...engineOpts, file: secondFile })) : undefined;
  // the second map is the localiser's any channel: predict's masks then skip the slices where it stays low
  const ch = secondSpec?.channel;
  const secondIsLocaliserAny = second !== undefined && second === localiser && ch !== undefined && ch.count === locSpec?.channels.length && locSpec.channels[ch.index] === 'any' && secondSpec?.stride === locSpec.stride;
  const headFile = join(dir, 'head.onnx');
  const head = await createOnnxEngine(headFile, { ...engineOpts, provider: 'cpu', file: headFile });
  const Ft = trunkSpec.features;
  const Fh = trunkSpec.huFeatures ? (second ? SECOND_MAP_ROW_FEATURES : countHuRowFeatures(blood !== undefined)) : 0;
  const F = Ft + Fh;
  const scoreSeriesWithMaps = async (images: readonly Image<'uint8'>[], so: ScoreOptions = {}): Promise<SeriesScores> => {
    checkImages(images, card);
    const n = images.length;
    const score = async (flip: boolean): Promise<SeriesScores> => {
      let emb = trunk ? await runBatched(trunk, n, batch, Ft, (idx, scratch) => buildContextBatch(images, idx, 0, flip, undefined, scratch)) : new Float32Array(0);
      let maps: Plane[] | undefined;
      let ownMaps: Plane[] | undefined;
      if (trunkSpec.huFeatures) {
        // on the box around the series' cavities where the card's spec says so (as its features were trained)
        const mapsOf = (engine: InferenceEngine, spec: BloodMapSpec): Promise<Plane[]> =>
          computeBloodMaps(engine, images, spec.stride, flip, batch, spec.channel, spec.crop ? computeSeriesCrop(images, card.windows, spec.crop) : null);
        maps = blood && bloodSpec ? await mapsOf(blood, bloodSpec) : undefined;
        const region = trunkSpec.huRegion ?? 'frame';
        let rows = computeHuFeatureRows(images, card.windows, maps, region);
        if (second && secondSpec) {
          const secondMaps = await mapsOf(second, secondSpec);
          if (secondIsLocaliserAny) ownMaps = secondMaps;
          rows = appendSecondMapColumns(rows, computeSecondMapColumns(images, card.windows, secondMaps, region), n);
        }
        emb = appendColumns(emb, Ft, rows, Fh, n);
      }
      const own = ownMaps ? { localiserAnyMaps: ownMaps } : {};
      if (trunkSpec.studyHead) return { probabilities: await runStudyHead(head, emb, n, F, splitBySpacing(n, so.z, card.contextSpacingMm)), bloodMaps: maps, ...own };
      const table = neighbourTable(n, card.context, so.z, card.contextSpacingMm);
      return { probabilities: await runBatched(head, n, 256, K, (idx) => stackEmbeddings(emb, n, F, card.context, idx, table)), bloodMaps: maps, ...own };
    };
    const a = await score(false);
    if (!so.tta) return a;
    const b = await score(true);
    const mean = (x: Plane[] | undefined, y: Plane[] | undefined): Plane[] | undefined =>
      x && y ? x.map((m, i) => ({ data: average(m.data, y[i]?.data ?? m.data), shape: m.shape })) : x;
    const own = mean(a.localiserAnyMaps, b.localiserAnyMaps);
    return { probabilities: average(a.probabilities, b.probabilities), bloodMaps: mean(a.bloodMaps, b.bloodMaps), ...(own ? { localiserAnyMaps: own } : {}) };
  };
  return {
    card,
    dir,
    engineName: trunk?.name ?? blood?.name ?? 'onnxruntime-cpu (head only)',
    scoreSeries: async (images, so = {}) => (await scoreSeriesWithMaps(images, so)).probabilities,
    scoreSeriesWithMaps,
    ...(localiser && locSpec
      ? {
          localiseSlices: (images: readonly Image<'uint8'>[], idx: readonly number[], lo: LocaliseSlicesOptions) => {
            const { cropMarginPx } = lo;
            // a crop only where the exported model takes any size (older folders' localisers take 256² only)
            const multiple = LOCALISER_SIZE_MULTIPLE[locSpec.architecture];
            const crop =
              cropMarginPx !== undefined && multiple !== undefined && hasFreeSpatialDims(localiser.inputShape)
                ? computeLocaliserCrop(idx.map((i) => computeSliceCavity(images[i] as Image<'uint8'>, card.windows)), card.inputSize, cropMarginPx, multiple)
                : null;
            return computeSubtypeMaps(localiser, images, idx, locSpec.stride, { tta: lo.tta, crop, ...(lo.flipAbove === undefined ? {} : { flipAbove: lo.flipAbove }) });
          },
        }
      : {}),
    async dispose() {
      await trunk?.dispose();
      await blood?.dispose();
      if (localiser !== blood) await localiser?.dispose();
      if (second !== blood && second !== localiser) await second?.dispose();
      await head.dispose();
    },
  };
}
