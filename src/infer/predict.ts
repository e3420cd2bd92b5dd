/**
 * Prediction over files and folders: headers → ordered series → each slice decoded and
 * preprocessed by THE pipeline (`preprocessDecoded`, the same call training uses) → scored with
 * the model's 2.5D context → per-slice probabilities and a verdict per series and per study.
 * Unreadable files and undecodable slices are reported and skipped; the rest goes on.
 */
import { readFileSync } from 'node:fs';
import { toIchError } from '../core/errors.js';
import { SUBTYPES, type Subtype } from '../core/subtypes.js';
import type { Image } from '../core/tensor.js';
import type { Plane } from '../core/tensor.js';
import { decodeDicom, frameRescale, type DecodedDicom } from '../dicom/index.js';
import { createHuMapper, preprocessDecoded, resolveHuMapParams } from '../preprocess/index.js';
import { DEFAULT_BLEED_MASK_PARAMS, type BleedMaskParams } from './localise/bleed-mask.js';
import { localiseSeries, type KeyImage, type LocaliseOptions, type LocaliseSliceInput, type SeriesLocalisation } from './localise/localise-series.js';
import { DEFAULT_LOCALISER_PARAMS, type LocaliserParams, type SubtypeMap } from './localise/subtype-map.js';
import type { VolumeRecord } from './localise/volume.js';
import { collectInputFiles, groupIntoSeries, type FileFailure, type SeriesGroup, type SliceRef } from '../data/collect-series.js';
import { studyThresholdOf, thresholdOf } from '../model/card/model-card.js';
import type { SeriesScorer } from './scorer.js';
import { computeVerdict, toProbabilityRecord, type SliceScore, type Verdict } from './verdict.js';

/** What `--json` prints of a series' localisation: the localisation without its pixel maps. */
export type LocalisationSummary = Omit<SeriesLocalisation, 'labels' | 'shapes'>;

export interface SeriesPrediction {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  slices: SliceScore[];
  verdict: Verdict;
  /** Where and how much (only when prediction was asked to localise). */
  localisation?: LocalisationSummary;
  /** Why the header says this series is contrast-enhanced (dicom/contrast.ts); absent = no evidence. */
  contrast?: string;
  /** Why the header says this series is not a head CT (dicom/body-part.ts); absent = head or unknown. */
  notHead?: string;
}

export interface StudyPrediction {
  studyInstanceUid: string;
  /** The verdict of the series with the highest P(any) (a study is as positive as its most positive series). */
  verdict: Verdict;
  series: SeriesPrediction[];
  /** From the same series as the verdict, when localising: bleed volume per subtype and total, mL. */
  volumeMl?: VolumeRecord | null;
  /** ABC/2 estimate of the total bleed, mL. */
  abcOver2Ml?: number | null;
  /** The bleed's extent along the slice normal (mm, slice indices of the verdict's series). */
  bleedZExtent?: SeriesLocalisation['zExtent'];
  keyImages?: KeyImage[];
  /** Subtypes the masks located (volume > 0), largest first; the classifier's own list is verdict.subtypesPresent. */
  subtypesLocated?: SeriesLocalisation['subtypesLocated'];
  /** What a reader must know before trusting the verdict (e.g. it comes from a contrast-enhanced series); empty = nothing. */
  warnings: string[];
}

/** A key slice rendered for people: the overlay (RGB, legend below) and the slice's image id. */
export interface KeyImageRender {
  sliceIndex: number;
  imageId: string;
  rgb: Image<'uint8'>;
}

/** A localised series with its pixel maps, handed to writers (masks, overlays, DICOM) and then dropped. */
export interface LocalisedSeries {
  prediction: SeriesPrediction;
  localisation: SeriesLocalisation;
  /** The source slices, same order as the maps. */
  refs: SliceRef[];
}

export interface PredictOptions {
  tta?: boolean;
  /** Called once per slice processed (decoded and scored or failed). */
  onSlice?: () => void;
  /** Called once per file whose header was read. */
  onHeader?: () => void;
  /** Localise (masks, volume, key images); the parameters of the bleed mask. */
  localise?: BleedMaskParams | boolean;
  /** The localiser's settings (model folders with a `localiser`; default DEFAULT_LOCALISER_PARAMS). */
  localiser?: Partial<LocaliserParams>;
  /** Draw masks in negative series too (bench:localise measures the masks apart from the verdict). */
  localiseIgnoringVerdict?: boolean;
  /** Called with each localised series' pixel maps (every series). */
  onSeriesLocalised?: (s: LocalisedSeries) => Promise<void> | void;
  /** Called once per study, when its last series is done, with the study and its verdict's series. */
  onStudyLocalised?: (study: StudyPrediction, top: LocalisedSeries) => Promise<void> | void;
}

async function decodeCached(file: string, cache: Map<string, DecodedDicom>): Promise<DecodedDicom> {
  let decoded = cache.get(file);
  if (!decoded) {
    decoded = await decodeDicom(readFileSync(file), file);
    cache.clear(); // keep one file: multi-frame files reuse it, single-frame ones do not need more
    cache.set(file, decoded);
  }
  return decoded;
}

function preprocessSlice(decoded: DecodedDicom, ref: SliceRef, scorer: SeriesScorer): Image<'uint8'> {
  const card = scorer.card;
  return preprocessDecoded(decoded, { size: card.inputSize, windows: card.windows, dtype: 'uint8', sigmoid: card.sigmoidWindows ?? false }, ref.frame);
}

/** Localisation reads the cranial cavity from the subdural (L80 W200) and soft-tissue (L40 W380) windows. */
export function canLocalise(windows: readonly { level: number; width: number }[]): boolean {
  return [80, 40].every((level, k) => windows.some((w) => w.level === level && w.width === [200, 380][k]));
}

/** HU of one frame at source resolution, with the pipeline's corrections (12-bit fix, padding → air). */
export function computeSourceHu(decoded: DecodedDicom, frame: number): Plane {
  const { rows, columns } = decoded.raw;
  const n = rows * columns;
  const params = resolveHuMapParams(decoded.meta, {}, frame);
  const src = decoded.raw.data.subarray(frame * n, (frame + 1) * n);
  const hu = new Float32Array(n);
  if (src instanceof Int16Array || src instanceof Uint16Array) {
    // 16-bit stored values (nearly all CT): one table of the 65,536 values per rescale, reused
    const table = huTableOf(params, src instanceof Int16Array);
    const off = src instanceof Int16Array ? 32768 : 0;
    for (let i = 0; i < n; i++) hu[i] = table[(src[i] as number) + off] as number;
  } else {
    const toHu = createHuMapper(params);
    for (let i = 0; i < n; i++) hu[i] = toHu(src[i] as number);
  }
  return { data: hu, shape: [rows, columns] };
}

/** One frame of a decoded file as a single-frame DecodedDicom with its own copy of the stored values and that frame's rescale. */
function copyFrame(decoded: DecodedDicom, frame: number): DecodedDicom {
  const { rows, columns } = decoded.raw;
  const n = rows * columns;
  const r = frameRescale(decoded.meta, frame);
  const meta = { ...decoded.meta, rescaleSlope: r.slope, rescaleIntercept: r.intercept, frames: 1 };
  delete meta.perFrameRescale;
  return { meta, raw: { data: decoded.raw.data.slice(frame * n, (frame + 1) * n), rows, columns, frames: 1 } };
}

const huTables = new Map<string, Float32Array>();

/** HU of every 16-bit stored value (index = value + 32768 when signed), by the one mapping function. */
function huTableOf(params: ReturnType<typeof resolveHuMapParams>, signed: boolean): Float32Array {
  const key = `${signed ? 's' : 'u'}${JSON.stringify(params)}`;
  let t = huTables.get(key);
  if (!t) {
    const toHu = createHuMapper(params);
    t = new Float32Array(65536);
    for (let v = 0; v < 65536; v++) t[v] = toHu(signed ? v - 32768 : v);
    if (huTables.size >= 16) huTables.clear();
    huTables.set(key, t);
  }
  return t;
}

function summarise(l: SeriesLocalisation): LocalisationSummary {
  const { labels: _l, shapes: _s, ...rest } = l;
  return rest;
}

/** Decodes, preprocesses and scores one ordered series. Failed slices go to `failures`. */
export async function predictSeries(scorer: SeriesScorer, group: SeriesGroup, failures: FileFailure[], opts: PredictOptions = {}): Promise<SeriesPrediction | undefined> {
  const images: Image<'uint8'>[] = [];
  // per slice its stored values (a copy of one frame: half the bytes of HU), HU made only if needed
  const frames: DecodedDicom[] = [];
  const kept: SliceRef[] = [];
  const cache = new Map<string, DecodedDicom>();
  const localise = opts.localise !== undefined && opts.localise !== false && canLocalise(scorer.card.windows);
  for (const ref of group.slices) {
    try {
      const decoded = await decodeCached(ref.file, cache);
      const image = preprocessSlice(decoded, ref, scorer);
      if (localise) frames.push(copyFrame(decoded, ref.frame));
      images.push(image);
      kept.push(ref);
    } catch (e) {
      const err = toIchError(e, 'ICH_E_DECODE', ref.file);
      failures.push({ file: ref.file, code: err.code, message: err.message });
      opts.onSlice?.();
    }
  }
  if (images.length === 0) return undefined;
  const scored = await scorer.scoreSeriesWithMaps(images, { tta: opts.tta ?? false, z: kept.map((r) => r.z ?? null) });
  const p = scored.probabilities;
  const slices: SliceScore[] = kept.map((ref, i) => {
    opts.onSlice?.();
    return { index: i, file: ref.file, frame: ref.frame, sopInstanceUid: String(ref.meta.sopInstanceUid), z: ref.z ?? null, probabilities: toProbabilityRecord(p, i * SUBTYPES.length) };
  });
  const thresholds = Object.fromEntries(SUBTYPES.map((s) => [s, thresholdOf(scorer.card, s)])) as Record<Subtype, number>;
  const prediction: SeriesPrediction = { studyInstanceUid: group.studyInstanceUid, seriesInstanceUid: group.seriesInstanceUid, slices, verdict: computeVerdict(slices, thresholds, studyThresholdOf(scorer.card)) };
  const contrast = kept.find((r) => r.meta.contrast)?.meta.contrast;
  if (contrast) prediction.contrast = contrast;
  const notHead = kept.find((r) => r.meta.notHead)?.meta.notHead;
  if (notHead) prediction.notHead = notHead;
  if (!localise) return prediction;
  const params = typeof opts.localise === 'object' ? opts.localise : DEFAULT_BLEED_MASK_PARAMS;
  const inputs: LocaliseSliceInput[] = kept.map((ref, i) => ({
    rows: ref.meta.rows,
    columns: ref.meta.columns,
    readHu: () => computeSourceHu(frames[i] as DecodedDicom, 0),
    image: images[i] as Image<'uint8'>,
    pixelSpacing: ref.meta.pixelSpacing,
    sliceThickness: ref.meta.sliceThickness,
    z: ref.z ?? null,
    probabilities: (slices[i] as SliceScore).probabilities,
  }));
  const lo: LocaliseOptions = { windows: scorer.card.windows, params, ...(opts.localiseIgnoringVerdict ? { ignoreVerdict: true } : {}) };
  const lp: LocaliserParams = { ...DEFAULT_LOCALISER_PARAMS, ...opts.localiser };
  if (scorer.localiseSlices && lp.enabled && (prediction.verdict.positive || opts.localiseIgnoringVerdict)) {
    const maxOf = (p: Plane | undefined): number => (p ? p.data.reduce((a, v) => (v > a ? v : a), 0) : 1);
    // Only where the stride-4 map fires (most slices of a bleeding series do not): the localiser costs
    // ~2× blood.onnx a slice. And not where the verdict already ran the localiser (its any channel is
    // the second blood map) and that pass stays under 2t − 1 (flip TTA) or t: no pixel can reach t,
    // so the skip is exact (bar the box's edge: the verdict's box spans the series). With a flip TTA
    // verdict its maps are pass averages, no bound on the unflipped pass: no skip.
    const own = lp.skipOnOwnPass && !opts.tta ? scored.localiserAnyMaps : undefined;
    // a pass under 2t − 1 cannot reach t once averaged with its flipped pass
    const flipBound = 2 * lp.threshold - 1;
    const ownBound = lp.tta ? flipBound : lp.threshold;
    const idx = images
      .map((_, i) => i)
      .filter((i) => (lp.gate <= 0 || maxOf(scored.bloodMaps?.[i]) >= lp.gate) && (!own || maxOf(own[i]) >= ownBound));
    // with TTA a slice whose first pass stays under 2t − 1 cannot reach t: no flipped pass (exact)
    const got = await scorer.localiseSlices(images, idx, { tta: lp.tta, flipAbove: flipBound, ...(lp.crop ? { cropMarginPx: lp.cropMarginPx } : {}) });
    const maps: (SubtypeMap | undefined)[] = images.map(() => undefined);
    idx.forEach((i, j) => (maps[i] = got[j]));
    lo.localiser = { maps, params: lp };
  }
  const localisation = localiseSeries(inputs, scored.bloodMaps, prediction.verdict, lo);
  prediction.localisation = summarise(localisation);
  const done: LocalisedSeries = { prediction, localisation, refs: kept };
  await opts.onSeriesLocalised?.(done);
  return Object.assign(prediction, { [LOCALISED]: done });
}

/** Where predictSeries parks a series' pixel maps until its study is complete (not enumerable: never printed). */
const LOCALISED = Symbol('localised');

export interface PredictResult {
  studies: StudyPrediction[];
  failures: FileFailure[];
  /** Number of input files and slices seen. */
  files: number;
  slices: number;
}

/** Headers of all inputs, grouped into ordered series (first half of `predictInputs`). */
export function planPrediction(inputs: readonly string[], cwd: string, onHeader?: () => void): { series: SeriesGroup[]; failures: FileFailure[]; files: number } {
  const { files, failures } = collectInputFiles(inputs, cwd);
  const grouped = groupIntoSeries(files, onHeader);
  return { series: grouped.series, failures: [...failures, ...grouped.failures], files: files.length };
}

/** Scores planned series and groups them into studies. */
export async function predictPlanned(scorer: SeriesScorer, series: readonly SeriesGroup[], failures: FileFailure[], opts: PredictOptions = {}): Promise<StudyPrediction[]> {
  const byStudy = new Map<string, SeriesPrediction[]>();
  const remaining = new Map<string, number>();
  for (const g of series) remaining.set(g.studyInstanceUid, (remaining.get(g.studyInstanceUid) ?? 0) + 1);
  const studies = new Map<string, StudyPrediction>();
  for (const g of series) {
    const sp = await predictSeries(scorer, g, failures, opts);
    const left = (remaining.get(g.studyInstanceUid) ?? 1) - 1;
    remaining.set(g.studyInstanceUid, left);
    if (sp) {
      const list = byStudy.get(sp.studyInstanceUid) ?? [];
      list.push(sp);
      byStudy.set(sp.studyInstanceUid, list);
    }
    const list = byStudy.get(g.studyInstanceUid);
    if (left > 0 || !list) continue;
    const study = assembleStudy(g.studyInstanceUid, list);
    studies.set(study.studyInstanceUid, study);
    const top = (list.find((x) => x.verdict === study.verdict) as SeriesWithMaps | undefined)?.[LOCALISED];
    if (top) await opts.onStudyLocalised?.(study, top);
    for (const x of list) delete (x as SeriesWithMaps)[LOCALISED]; // free the pixel maps
  }
  return [...studies.values()];
}

type SeriesWithMaps = SeriesPrediction & { [LOCALISED]?: LocalisedSeries };

/** The warning a verdict from an enhanced series carries. */
export function contrastWarning(evidence: string): string {
  return `contrast-enhanced series (${evidence}): the model reads non-contrast head CT; enhancing vessels, venous sinuses and dura can read as blood`;
}

/** The warning a verdict from a series that is not a head CT carries. */
export function notHeadWarning(evidence: string): string {
  return `not a head CT (${evidence}): the model reads head CT only`;
}

/** What a verdict from this series must carry: contrast, body part (empty = nothing). */
export function seriesWarnings(s: Pick<SeriesPrediction, 'contrast' | 'notHead'>): string[] {
  return [...(s.notHead ? [notHeadWarning(s.notHead)] : []), ...(s.contrast ? [contrastWarning(s.contrast)] : [])];
}

/**
 * A study from its series: the verdict (and localisation) of the series with the highest P(any)
 * among those the model is made for (non-contrast head CT, as far as the headers say); of all
 * series, with their warnings, only when none is.
 */
function assembleStudy(studyInstanceUid: string, list: SeriesPrediction[]): StudyPrediction {
  const plain = list.filter((x) => seriesWarnings(x).length === 0);
  const top = (plain.length > 0 ? plain : list).reduce((a, b) => (b.verdict.anyProbability > a.verdict.anyProbability ? b : a));
  const study: StudyPrediction = { studyInstanceUid, verdict: top.verdict, series: list, warnings: seriesWarnings(top) };
  const loc = top.localisation;
  if (loc) {
    const vol = loc.volumeMl;
    const located = [...loc.subtypesLocated].sort((a, b) => (vol ? vol[b] - vol[a] : 0));
    Object.assign(study, { volumeMl: vol, abcOver2Ml: loc.abcOver2Ml, bleedZExtent: loc.zExtent, keyImages: loc.keyImages, subtypesLocated: located });
  }
  return study;
}

/** The whole prediction: inputs (files/folders) → studies with verdicts, plus failures. */
export async function predictInputs(scorer: SeriesScorer, inputs: readonly string[], cwd: string, opts: PredictOptions = {}): Promise<PredictResult> {
  const plan = planPrediction(inputs, cwd, opts.onHeader);
  const studies = await predictPlanned(scorer, plan.series, plan.failures, opts);
  return { studies, failures: plan.failures, files: plan.files, slices: plan.series.reduce((n, s) => n + s.slices.length, 0) };
}
