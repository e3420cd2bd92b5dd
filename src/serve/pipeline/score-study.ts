/**
 * One scoring job: a complete study's instances → series selection (reasons recorded) → the
 * chosen series predicted with localisation (the same `predictPlanned` the CLI runs) → DICOM
 * results through the same writer as `predict --dicom-out` → `results/<sha256(StudyUID)>/`, and a
 * summary row per study + series + model version.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ichError, type IchErrorCode } from '../../core/errors.js';
import { ICHSCAN_VERSION } from '../../core/version.js';
import { groupIntoSeries, type FileFailure } from '../../data/collect-series.js';
import { predictPlanned, type StudyPrediction } from '../../infer/predict.js';
import { renderKeyOverlays } from '../../infer/localise/write-outputs.js';
import type { SeriesScorer } from '../../infer/scorer.js';
import { resultModelIdentity, writeStudyDicomResults } from '../../dicom-out/write-study-results.js';
import type { DicomResults } from '../../dicom-out/index.js';
import { mergePresentSubtypes } from '../../dicom-out/from-prediction.js';
import { digestUid } from '../phi.js';
import type { InstanceHeader } from '../read-instance-header.js';
import { selectSeries } from '../select-series.js';
import type { ServeStore, StudyOutcome } from '../store/serve-store.js';

/** Errors that the same input would raise again: failed at once, not retried. */
export const PERMANENT_CODES: readonly IchErrorCode[] = ['ICH_E_NO_SERIES', 'ICH_E_EMPTY_DATASET', 'ICH_E_STUDY_INCONSISTENT', 'ICH_E_NO_GEOMETRY', 'ICH_E_MIXED_ORIENTATION', 'ICH_E_UNSUPPORTED_SYNTAX', 'ICH_E_UNSUPPORTED_IMAGE'];

export interface ScoringContext {
  dataDir: string;
  uidRoot: string;
  scorer: SeriesScorer;
}

/** What the API shows of a result (results.summary). */
export interface ResultSummary {
  seriesInstanceUid: string;
  model: { name: string; version: string };
  verdict: StudyPrediction['verdict'];
  volumeMl: StudyPrediction['volumeMl'] | null;
  keyImages: StudyPrediction['keyImages'] | null;
  slices: { index: number; sopInstanceUid: string; z: number | null; probabilities: Record<string, number> }[];
  sliceFailures: { code: string; message: string }[];
}

export interface ResultFile {
  kind: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** Relative to the data dir. */
  path: string;
}

/** Series selection on the study's recorded headers (reasons stored); the chosen series' files. */
export function chooseSeriesFiles(store: ServeStore, studyUid: string): { seriesInstanceUid: string; files: string[] } {
  const instances = store.instancesOf(studyUid);
  const selection = selectSeries(instances.map((i) => JSON.parse(i.header) as InstanceHeader));
  store.setSkipped(studyUid, selection.skipped);
  const chosen = selection.chosen;
  if (!chosen) throw ichError('ICH_E_NO_SERIES', selection.skipped.map((s) => s.reason).join('; ') || 'no instances');
  return { seriesInstanceUid: chosen.seriesInstanceUid, files: instances.filter((i) => i.series_uid === chosen.seriesInstanceUid).map((i) => i.path) };
}

export interface ScoredStudy {
  outcome: StudyOutcome;
  summary: ResultSummary;
  files: ResultFile[];
}

/**
 * Scores one chosen series and files its DICOM results; needs only the data dir and the model
 * (no store), so a BullMQ worker on another machine runs it on the job's data alone.
 */
export async function scoreSeriesFiles(ctx: ScoringContext, studyUid: string, chosen: { seriesInstanceUid: string; files: string[] }): Promise<ScoredStudy> {
  const grouped = groupIntoSeries(chosen.files);
  const failures: FileFailure[] = [...grouped.failures];
  const model = resultModelIdentity(ctx.scorer.dir, ctx.scorer.card.created);
  const stage = join(ctx.dataDir, 'results-tmp', `${digestUid(studyUid).slice(0, 16)}-${randomBytes(4).toString('hex')}`);
  mkdirSync(stage, { recursive: true });
  let written: DicomResults | undefined;
  try {
    const studies = await predictPlanned(ctx.scorer, grouped.series, failures, {
      localise: true,
      onStudyLocalised: async (study, top) => {
        const keys = await renderKeyOverlays(study, top, `${model.name} ${model.version}`);
        written = await writeStudyDicomResults(study, top, keys, model, { outDir: stage, uidRoot: ctx.uidRoot, softwareVersion: ICHSCAN_VERSION });
      },
    });
    const study = studies[0];
    if (!study || !written) throw ichError('ICH_E_EMPTY_DATASET', failures[0] ? `${failures[0].code}: ${failures[0].message.replace(/^[^:]*: /, '')}` : 'no slice could be scored');
    // results are filed by digest (the writer names its folder after the UID)
    const finalDir = join(ctx.dataDir, 'results', digestUid(studyUid));
    mkdirSync(join(ctx.dataDir, 'results'), { recursive: true });
    if (existsSync(finalDir)) rmSync(finalDir, { recursive: true, force: true });
    renameSync(written.dir, finalDir);
    const top = study.series.find((s) => s.verdict === study.verdict) ?? study.series[0];
    const seriesUid = top?.seriesInstanceUid ?? chosen.seriesInstanceUid;
    const resultFiles: ResultFile[] = written.files.map((f) => ({ kind: f.kind, sopInstanceUid: f.sopInstanceUid, seriesInstanceUid: f.seriesInstanceUid, path: relative(ctx.dataDir, join(finalDir, relative(written!.dir, f.path))) }));
    const v = study.verdict;
    const summary: ResultSummary = {
      seriesInstanceUid: seriesUid,
      model,
      verdict: v,
      volumeMl: study.volumeMl ?? null,
      keyImages: study.keyImages ?? null,
      slices: (top?.slices ?? []).map((s) => ({ index: s.index, sopInstanceUid: s.sopInstanceUid, z: s.z, probabilities: s.probabilities })),
      sliceFailures: failures.map((f) => ({ code: f.code, message: f.message.replace(ctx.dataDir, '<data-dir>') })),
    };
    const outcome: StudyOutcome = { seriesUid, flagged: v.positive, anyProbability: v.anyProbability, subtypes: mergePresentSubtypes(v, study.subtypesLocated ?? [], study.volumeMl), volumeMl: study.volumeMl?.total ?? null, warnings: study.warnings };
    return { outcome, summary, files: resultFiles };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
