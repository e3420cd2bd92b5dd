/**
 * Store rows → the API's JSON (api-types.ts, the contract the viewer reads too): a worklist entry per study and a study's detail (per-slice
 * probabilities, volume, key slices, warnings, result UIDs, deliveries, skipped series). Times are ISO 8601 UTC.
 */
import type { ResultFile, ResultSummary } from '../pipeline/score-study.js';
import type { SkippedSeries } from '../select-series.js';
import type { DeliveryRow, ServeStore, StudyRow } from '../store/serve-store.js';
import type { DeliveryEntry, StudyDetail, WorklistEntry } from './api-types.js';

export type { StudyDetail, WorklistEntry } from './api-types.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The study's warnings as its row keeps them (the latest result's; none before scoring and in older rows). */
export function warningsOf(r: Pick<StudyRow, 'warnings'>): string[] {
  return r.warnings ? (JSON.parse(r.warnings) as string[]) : [];
}

export function toWorklistEntry(r: StudyRow, model?: { name: string; version: string }): WorklistEntry {
  return {
    studyInstanceUid: r.study_uid,
    status: r.status,
    flagged: r.flagged === null ? null : r.flagged === 1,
    anyProbability: r.any_probability,
    subtypes: r.subtypes ? (JSON.parse(r.subtypes) as string[]) : [],
    volumeMl: r.volume_ml,
    instances: r.instances,
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    times: { arrived: iso(r.arrived_at), lastInstance: iso(r.last_instance_at), queued: iso(r.queued_at), started: iso(r.started_at), finished: iso(r.finished_at) },
    patient: { age: r.patient_age ?? null, sex: r.patient_sex ?? null },
    warnings: warningsOf(r),
    ...(model ? { modelName: model.name, modelVersion: model.version } : {}),
  };
}

/** Slices in z order (mm, head-first patient axis; slices without a position last, then by index). */
function sortSlicesByZ(slices: ResultSummary['slices']): ResultSummary['slices'] {
  return [...slices].sort((a, b) => (a.z === null ? (b.z === null ? a.index - b.index : 1) : b.z === null ? -1 : a.z - b.z || a.index - b.index));
}

function toDelivery(d: DeliveryRow): DeliveryEntry {
  return { destination: d.destination, state: d.state, attempts: d.attempts, deliveredAt: iso(d.delivered_at), nextAttemptAt: d.state === 'pending' ? iso(d.next_at) : null, error: d.error_code ? { code: d.error_code, message: d.error_message ?? '' } : null };
}

export function toStudyDetail(store: ServeStore, r: StudyRow): StudyDetail {
  const result = store.latestResult(r.study_uid);
  const summary = result ? (JSON.parse(result.summary) as ResultSummary) : undefined;
  const files = result ? (JSON.parse(result.files) as ResultFile[]) : [];
  return {
    ...toWorklistEntry(r, summary?.model),
    seriesInstanceUid: r.series_uid,
    skippedSeries: r.skipped ? (JSON.parse(r.skipped) as SkippedSeries[]) : [],
    model: summary?.model ?? null,
    verdict: summary?.verdict ?? null,
    volume: summary?.volumeMl ?? null,
    keySlices: summary?.verdict.keySlices ?? [],
    keyImages: summary?.keyImages ?? [],
    slices: sortSlicesByZ(summary?.slices ?? []),
    sliceFailures: summary?.sliceFailures ?? [],
    results: files.map((f) => ({ kind: f.kind, sopInstanceUid: f.sopInstanceUid, seriesInstanceUid: f.seriesInstanceUid })),
    resultUpdatedAt: result ? iso(result.updated_at) : null,
    deliveries: store.deliveriesOf(r.study_uid).map(toDelivery),
  };
}
