/**
 * The model folder and its card (`model.json`). Two kinds of model:
 * - `slice`: `model.onnx` maps NHWC [n, size, size, windows·(2·context+1)] float32 in [0, 1] to
 *   [n, 6] probabilities (SUBTYPES order). With context k, the channels are the windows of slices
 *   s−k … s+k in that order (slice-major; edges repeat the edge slice), the loader's 2.5D layout.
 * - `embedding-head`: a trunk maps one slice [n, size, size, windows] to an embedding [n, F];
 *   `head.onnx` maps the embeddings of slices s−k … s+k, concatenated, [n, F·(2k+1)], to [n, 6].
 *   The trunk is either a file in the folder or derived at first run from an npm package (the
 *   pretrained InceptionV3 of `nsfwjs`; too large to commit) into the user's cache. With
 *   `trunk.studyHead`, `head.onnx` instead maps the whole z-ordered series [1, n, 1, F] to
 *   [1, n, 1, 6] (a sequence model over the slices, src/model/architectures/study-conv.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ichError, toIchError } from '../../core/errors.js';
import { SUBTYPES, type Subtype } from '../../core/subtypes.js';
import type { WindowPreset } from '../../core/windows.js';
import type { TrunkRecipe } from '../onnx/derive-trunk.js';
import type { HuRegion } from '../features/cavity.js';

export const MODEL_CARD_FILE = 'model.json';
export const MODEL_FORMAT = 'ichscan-model/1';

/**
 * A blood map the HU features read: its file and output stride; `channel` when the map has `count`
 * channels per cell and the blood plane is `index` (a localiser's `any`: 5 of 6); `crop` when it runs
 * on the box around the series' cavities (localiser-crop.ts), as its features were trained.
 */
export interface BloodMapSpec {
  file: string;
  stride: number;
  channel?: { count: number; index: number };
  crop?: { marginPx: number; multiple: number };
}

export interface ModelCard {
  format: typeof MODEL_FORMAT;
  kind: 'slice' | 'embedding-head';
  /** Architecture name (e.g. `ichnet`, `inceptionv3-features+logistic`). */
  architecture: string;
  /** Input height = width, pixels. */
  inputSize: number;
  windows: WindowPreset[];
  /** Neighbouring slices on each side used as context (0 = single slice). */
  context: number;
  /** Slice spacing (mm) the context was trained at; thinner series take neighbours at this distance. */
  contextSpacingMm?: number;
  /** Sigmoid windows instead of linear (preprocessDecoded's option). */
  sigmoidWindows?: boolean;
  /** Output labels, always SUBTYPES order. */
  outputs: readonly Subtype[];
  /** For `embedding-head`: where the trunk comes from. */
  trunk?: {
    file?: string;
    derive?: TrunkRecipe;
    /** Width of the trunk's embedding. */
    features: number;
    /** Append the 20 handcrafted HU density features (hu-features.ts) to each slice's embedding. */
    huFeatures?: boolean;
    /** The pixels those features read (cavity.ts HuRegion); absent = 'frame', as every model before 2 Dec 2026. */
    huRegion?: HuRegion;
    /** A blood segmenter in the folder (NHWC [n, size, size, windows] → [n, size/stride, size/stride, 1]
     * probabilities); its map's features (blood-map.ts) join the HU features. Needs huFeatures. */
    /** `channel`: the map has `count` channels per cell and its blood plane is `index` (a localiser's `any`: 5 of 6). */
    bloodMap?: BloodMapSpec;
    /** A second map beside bloodMap (e.g. the localiser's `any` channel): its 3 slice + 1 series map features follow bloodMap's row (hu-features.ts, joinSecondMapColumns). */
    secondBloodMap?: BloodMapSpec;
    /** `head.onnx` is a study head (study-conv): the whole series' embeddings [1, n, 1, F] in z
     * order → [1, n, 1, 6], n dynamic, instead of a per-slice head over s−k … s+k (needs context 0). */
    studyHead?: boolean;
  };
  /** A localisation segmenter in the folder, used for the masks only (never for the verdict): NHWC
   * [n, size, size, windows] → [n, size/stride, size/stride, 6] probabilities, channels in SUBTYPES
   * order (five subtypes, then any). Needs trunk.bloodMap (its map gates which slices it runs on). */
  localiser?: { file: string; architecture: string; stride: number; channels: readonly Subtype[] };
  /** Operating thresholds per label for verdicts (default 0.5), on slice probabilities. */
  thresholds?: Partial<Record<Subtype, number>>;
  /** Threshold on the study score (max over slices of P(any)) for the study verdict; default `thresholds.any`. */
  studyThresholds?: { any?: number };
  /** Free-form but documented: what data trained it, per-subtype coverage. */
  trainingData: Record<string, unknown>;
  /** Validation metrics (e.g. patient-grouped CV). */
  validation: Record<string, unknown>;
  /** ISO date of creation. */
  created: string;
  intendedUse?: string;
  notes?: string[];
}

/** The package's `models/` folder (dist/src/infer → ../../../models). */
export function packageModelsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'models');
}

/** `--model` value: a folder path, or the name of a shipped model (`default`). */
export function resolveModelDir(nameOrDir: string | undefined, cwd: string): string {
  const spec = nameOrDir ?? 'default';
  const asPath = resolve(cwd, spec);
  if (existsSync(join(asPath, MODEL_CARD_FILE))) return asPath;
  const shipped = join(packageModelsDir(), spec);
  if (/^[A-Za-z0-9_-]+$/.test(spec) && existsSync(join(shipped, MODEL_CARD_FILE))) return shipped;
  throw ichError('ICH_E_MODEL_NOT_FOUND', `no ${MODEL_CARD_FILE} in "${spec}" (give a model folder or a shipped model name such as "default")`, { file: asPath });
}

/** Reads and checks `dir/model.json`. Throws ICH_E_MODEL_NOT_FOUND / ICH_E_MODEL_FORMAT naming the file. */
export function readModelCard(dir: string): ModelCard {
  const file = join(dir, MODEL_CARD_FILE);
  if (!existsSync(file)) throw ichError('ICH_E_MODEL_NOT_FOUND', undefined, { file });
  let card: ModelCard;
  try {
    card = JSON.parse(readFileSync(file, 'utf8')) as ModelCard;
  } catch (e) {
    throw toIchError(e, 'ICH_E_MODEL_FORMAT', file);
  }
  const bad = (why: string): never => {
    throw ichError('ICH_E_MODEL_FORMAT', why, { file });
  };
  if (card.format !== MODEL_FORMAT) bad(`format "${String(card.format)}", expected "${MODEL_FORMAT}"`);
  if (card.kind !== 'slice' && card.kind !== 'embedding-head') bad(`kind "${String(card.kind)}"`);
  if (!Number.isInteger(card.inputSize) || card.inputSize < 8 || card.inputSize > 2048) bad(`inputSize ${card.inputSize}`);
  if (!Array.isArray(card.windows) || card.windows.length === 0 || !card.windows.every((w) => Number.isFinite(w.level) && w.width > 0)) bad('windows');
  if (!Number.isInteger(card.context) || card.context < 0 || card.context > 4) bad(`context ${card.context}`);
  if (JSON.stringify(card.outputs) !== JSON.stringify(SUBTYPES)) bad(`outputs must be ${SUBTYPES.join(',')}`);
  if (card.kind === 'embedding-head') {
    const t = card.trunk;
    const network = t !== undefined && (t.file !== undefined || t.derive !== undefined) && t.features > 0;
    const huOnly = t !== undefined && t.features === 0 && t.huFeatures === true;
    if (!network && !huOnly) bad('embedding-head needs trunk {file|derive, features > 0} or {features: 0, huFeatures: true}');
    const bm = t?.bloodMap;
    if (t?.huRegion !== undefined && t.huRegion !== 'cavity' && t.huRegion !== 'frame') bad(`trunk.huRegion "${String(t.huRegion)}" (cavity or frame)`);
    if (t?.studyHead === true && card.context !== 0) bad('trunk.studyHead needs context 0 (the study head sees the whole series)');
    if (bm !== undefined && (typeof bm.file !== 'string' || !Number.isInteger(bm.stride) || bm.stride < 1 || card.inputSize % bm.stride !== 0 || t?.huFeatures !== true)) {
      bad('trunk.bloodMap needs {file, stride dividing inputSize} and huFeatures: true');
    }
    const sm = t?.secondBloodMap;
    if (sm !== undefined && (bm === undefined || typeof sm.file !== 'string' || !Number.isInteger(sm.stride) || sm.stride < 1 || card.inputSize % sm.stride !== 0)) bad('trunk.secondBloodMap needs {file, stride dividing inputSize} and trunk.bloodMap');
    for (const [name, spec] of [['bloodMap', bm], ['secondBloodMap', sm]] as const) {
      const ch = spec?.channel;
      if (ch !== undefined && !(Number.isInteger(ch.count) && Number.isInteger(ch.index) && ch.count >= 1 && ch.index >= 0 && ch.index < ch.count)) bad(`trunk.${name}.channel needs integers {count ≥ 1, 0 ≤ index < count}`);
      const c = spec?.crop;
      if (spec && c !== undefined && !(Number.isInteger(c.marginPx) && c.marginPx >= 0 && Number.isInteger(c.multiple) && c.multiple >= 1 && c.multiple % spec.stride === 0)) bad(`trunk.${name}.crop needs integers {marginPx ≥ 0, multiple: a multiple of its stride}`);
    }
  }
  const loc = card.localiser;
  if (loc !== undefined) {
    const ok = typeof loc.file === 'string' && Number.isInteger(loc.stride) && loc.stride >= 1 && card.inputSize % loc.stride === 0 && JSON.stringify(loc.channels) === JSON.stringify(SUBTYPES);
    if (!ok || card.trunk?.bloodMap === undefined) bad(`localiser needs {file, architecture, stride dividing inputSize, channels ${SUBTYPES.join(',')}} and trunk.bloodMap`);
  }
  return card;
}

/** The study verdict's threshold on max-over-slices P(any): the card's study threshold, else the slice one. */
export function studyThresholdOf(card: ModelCard): number {
  return card.studyThresholds?.any ?? thresholdOf(card, 'any');
}

/** The operating threshold of a label (card value or 0.5). */
export function thresholdOf(card: ModelCard, s: Subtype): number {
  return card.thresholds?.[s] ?? 0.5;
}
