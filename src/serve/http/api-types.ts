/**
 * The JSON of the service's read API (`GET /api/worklist`, `GET /api/studies/:uid`; docs/serve.md),
 * as one contract: the server builds these types (study-view.ts) and the browser viewer reads them
 * (web/src/api/types.ts re-exports them), so the two cannot drift apart. No imports on purpose:
 * the viewer's compiler sees this file alone (DOM only, no Node types). Times are ISO 8601 UTC.
 */

export type StudyStatus = 'received' | 'queued' | 'scoring' | 'done' | 'failed';

export interface WorklistEntry {
  studyInstanceUid: string;
  status: StudyStatus;
  flagged: boolean | null;
  anyProbability: number | null;
  /** The classifier's present subtypes and those the masks located, largest volume first. */
  subtypes: string[];
  /** Total bleed volume, mL. */
  volumeMl: number | null;
  instances: number;
  error: { code: string; message: string } | null;
  times: { arrived: string | null; lastInstance: string | null; queued: string | null; started: string | null; finished: string | null };
  /** PatientAge (AS, e.g. `045Y`) and PatientSex (M, F, O) as received; null when absent or in rows from before they were kept. */
  patient: { age: string | null; sex: string | null };
  /** The newest result's warnings (e.g. scored on a contrast-enhanced series); [] = none. */
  warnings: string[];
  /** The model of the newest result; absent until the study is scored. */
  modelName?: string;
  modelVersion?: string;
}

export interface SliceScore {
  /** Position in the scored series, z order. */
  index: number;
  sopInstanceUid: string;
  /** mm along the slice normal; null without geometry. */
  z: number | null;
  probabilities: Record<string, number>;
}

/** A series the service did not score, and why. */
export interface SkippedSeriesEntry {
  seriesInstanceUid: string;
  instances: number;
  description: string;
  reason: string;
}

/** The study verdict, as `predict --json` prints it (the fields a client reads). */
export interface VerdictJson {
  anyProbability: number;
  positive: boolean;
  studyThreshold: number;
  probabilities: Record<string, number>;
  subtypesPresent: string[];
  keySlices: { index: number; z: number | null; any: number }[];
}

export interface DeliveryEntry {
  /** `AE@host:port` (C-STORE; `tls:` first for DICOM TLS), `stow:<url>` or `webhook:<url>` (credentials removed). */
  destination: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  error: { code: string; message: string } | null;
}

export interface StudyDetail extends WorklistEntry {
  seriesInstanceUid: string | null;
  skippedSeries: SkippedSeriesEntry[];
  model: { name: string; version: string } | null;
  verdict: VerdictJson | null;
  /** mL per subtype and `total`. */
  volume: Record<string, number> | null;
  keySlices: VerdictJson['keySlices'];
  /** The slices with the largest bleed area and the highest P(any), with the reason. */
  keyImages: { index: number; reasons: string[]; areaMm2: number; any: number; z: number | null }[];
  slices: SliceScore[];
  sliceFailures: { code: string; message: string }[];
  results: { kind: string; sopInstanceUid: string; seriesInstanceUid: string }[];
  resultUpdatedAt: string | null;
  deliveries: DeliveryEntry[];
}
