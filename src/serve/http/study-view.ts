/**
 * Store rows → the API's JSON: a worklist entry per study and a study's detail (per-slice
 * probabilities, volume, key slices, result UIDs, deliveries, skipped series). Times are ISO 8601 UTC.
 */
import type { ResultFile, ResultSummary } from '../pipeline/score-study.js';
import type { SkippedSeries } from '../select-series.js';
import type { DeliveryRow, ServeStore, StudyRow } from '../store/serve-store.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface WorklistEntry {
  studyInstanceUid: string;
  status: StudyRow['status'];
  flagged: boolean | null;
  anyProbability: number | null;
  subtypes: string[];
  volumeMl: number | null;
  instances: number;
  error: { code: string; message: string } | null;
  times: { arrived: string | null; lastInstance: string | null; queued: string | null; started: string | null; finished: string | null };
}

export function toWorklistEntry(r: StudyRow): WorklistEntry {
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
  };
}

function toDelivery(d: DeliveryRow): Record<string, unknown> {
  return { destination: d.destination, state: d.state, attempts: d.attempts, deliveredAt: iso(d.delivered_at), nextAttemptAt: d.state === 'pending' ? iso(d.next_at) : null, error: d.error_code ? { code: d.error_code, message: d.error_message ?? '' } : null };
}

export function toStudyDetail(store: ServeStore, r: StudyRow): Record<string, unknown> {
  const result = store.latestResult(r.study_uid);
  const summary = result ? (JSON.parse(result.summary) as ResultSummary) : undefined;
  const files = result ? (JSON.parse(result.files) as ResultFile[]) : [];
  return {
    ...toWorklistEntry(r),
    seriesInstanceUid: r.series_uid,
    skippedSeries: r.skipped ? (JSON.parse(r.skipped) as SkippedSeries[]) : [],
    model: summary?.model ?? null,
    verdict: summary?.verdict ?? null,
    volume: summary?.volumeMl ?? null,
    keySlices: summary?.verdict.keySlices ?? [],
    keyImages: summary?.keyImages ?? [],
    slices: summary?.slices ?? [],
    sliceFailures: summary?.sliceFailures ?? [],
    results: files.map((f) => ({ kind: f.kind, sopInstanceUid: f.sopInstanceUid, seriesInstanceUid: f.seriesInstanceUid })),
    resultUpdatedAt: result ? iso(result.updated_at) : null,
    deliveries: store.deliveriesOf(r.study_uid).map(toDelivery),
  };
}
