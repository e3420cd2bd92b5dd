/**
 * Prediction over files and folders: headers → ordered series → each slice decoded and
 * preprocessed by THE pipeline (`preprocessDecoded`, the same call training uses) → scored with
 * the model's 2.5D context → per-slice probabilities and a verdict per series and per study.
 * Unreadable files and undecodable slices are reported and skipped; the rest goes on.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { toIchError } from '../core/errors.js';
import { SUBTYPES, type Subtype } from '../core/subtypes.js';
import type { Image } from '../core/tensor.js';
import { decodeDicom, type DecodedDicom } from '../dicom/index.js';
import { preprocessDecoded } from '../preprocess/index.js';
import { collectInputFiles, groupIntoSeries, type FileFailure, type SeriesGroup, type SliceRef } from './collect-series.js';
import { studyThresholdOf, thresholdOf } from './model-card.js';
import type { SeriesScorer } from './scorer.js';
import { computeVerdict, toProbabilityRecord, type SliceScore, type Verdict } from './verdict.js';

export interface SeriesPrediction {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  slices: SliceScore[];
  verdict: Verdict;
}

export interface StudyPrediction {
  studyInstanceUid: string;
  /** The verdict of the series with the highest P(any) (a study is as positive as its most positive series). */
  verdict: Verdict;
  series: SeriesPrediction[];
}

export interface PredictOptions {
  tta?: boolean;
  /** Called once per slice processed (decoded and scored or failed). */
  onSlice?: () => void;
  /** Called once per file whose header was read. */
  onHeader?: () => void;
}

/**
 * Kaggle image id of a slice: the file name without `.dcm` when it looks like `ID_<hex>` (RSNA
 * and ichscan synth name files that way), else the SOPInstanceUID (RSNA stores `ID_…` there too).
 */
export function imageIdOf(slice: { file: string; sopInstanceUid: string }): string {
  const b = basename(slice.file).replace(/\.dcm$/i, '');
  return /^ID_[0-9a-fA-F]+$/.test(b) ? b : slice.sopInstanceUid;
}

async function preprocessSlice(ref: SliceRef, scorer: SeriesScorer, cache: Map<string, DecodedDicom>): Promise<Image<'uint8'>> {
  let decoded = cache.get(ref.file);
  if (!decoded) {
    decoded = await decodeDicom(readFileSync(ref.file), ref.file);
    cache.clear(); // keep one file: multi-frame files reuse it, single-frame ones do not need more
    cache.set(ref.file, decoded);
  }
  const card = scorer.card;
  return preprocessDecoded(decoded, { size: card.inputSize, windows: card.windows, dtype: 'uint8', sigmoid: card.sigmoidWindows ?? false }, ref.frame);
}

/** Decodes, preprocesses and scores one ordered series. Failed slices go to `failures`. */
export async function predictSeries(scorer: SeriesScorer, group: SeriesGroup, failures: FileFailure[], opts: PredictOptions = {}): Promise<SeriesPrediction | undefined> {
  const images: Image<'uint8'>[] = [];
  const kept: SliceRef[] = [];
  const cache = new Map<string, DecodedDicom>();
  for (const ref of group.slices) {
    try {
      images.push(await preprocessSlice(ref, scorer, cache));
      kept.push(ref);
    } catch (e) {
      const err = toIchError(e, 'ICH_E_DECODE', ref.file);
      failures.push({ file: ref.file, code: err.code, message: err.message });
      opts.onSlice?.();
    }
  }
  if (images.length === 0) return undefined;
  const p = await scorer.scoreSeries(images, { tta: opts.tta ?? false, z: kept.map((r) => r.z ?? null) });
  const slices: SliceScore[] = kept.map((ref, i) => {
    opts.onSlice?.();
    return { index: i, file: ref.file, frame: ref.frame, sopInstanceUid: String(ref.meta.sopInstanceUid), z: ref.z ?? null, probabilities: toProbabilityRecord(p, i * SUBTYPES.length) };
  });
  const thresholds = Object.fromEntries(SUBTYPES.map((s) => [s, thresholdOf(scorer.card, s)])) as Record<Subtype, number>;
  return { studyInstanceUid: group.studyInstanceUid, seriesInstanceUid: group.seriesInstanceUid, slices, verdict: computeVerdict(slices, thresholds, studyThresholdOf(scorer.card)) };
}

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
  for (const g of series) {
    const sp = await predictSeries(scorer, g, failures, opts);
    if (!sp) continue;
    const list = byStudy.get(sp.studyInstanceUid) ?? [];
    list.push(sp);
    byStudy.set(sp.studyInstanceUid, list);
  }
  return [...byStudy.entries()].map(([studyInstanceUid, list]) => {
    const top = list.reduce((a, b) => (b.verdict.anyProbability > a.verdict.anyProbability ? b : a));
    return { studyInstanceUid, verdict: top.verdict, series: list };
  });
}

/** The whole prediction: inputs (files/folders) → studies with verdicts, plus failures. */
export async function predictInputs(scorer: SeriesScorer, inputs: readonly string[], cwd: string, opts: PredictOptions = {}): Promise<PredictResult> {
  const plan = planPrediction(inputs, cwd, opts.onHeader);
  const studies = await predictPlanned(scorer, plan.series, plan.failures, opts);
  return { studies, failures: plan.failures, files: plan.files, slices: plan.series.reduce((n, s) => n + s.slices.length, 0) };
}
