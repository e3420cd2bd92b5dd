/** The JSON the service answers (docs/serve.md); only the fields the viewer reads. */
export type StudyStatus = 'received' | 'queued' | 'scoring' | 'done' | 'failed';

/** The five hemorrhage subtypes, in the order the model and the SEG number them. */
export const SUBTYPES = ['epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'] as const;
export type Subtype = (typeof SUBTYPES)[number];

export interface WorklistEntry {
  studyInstanceUid: string;
  status: StudyStatus;
  flagged: boolean | null;
  anyProbability: number | null;
  subtypes: string[];
  /** Total bleed volume, mL. */
  volumeMl: number | null;
  instances: number;
  error: { code: string; message: string } | null;
  /** ISO 8601 UTC. */
  times: { arrived: string | null; lastInstance: string | null; queued: string | null; started: string | null; finished: string | null };
  /** Present when the service knows them (from the images' headers). */
  patient?: { age?: string | null; sex?: string | null } | null;
  modelName?: string | null;
  modelVersion?: string | null;
  /** The newest result's warnings (e.g. a contrast-enhanced series); absent from older servers. */
  warnings?: string[];
}

export interface SliceScore {
  /** Position in the scored series, z order. */
  index: number;
  sopInstanceUid: string;
  /** mm along the slice normal; null without geometry. */
  z: number | null;
  probabilities: Record<string, number>;
}

export interface StudyDetail extends WorklistEntry {
  seriesInstanceUid: string | null;
  model: { name: string; version: string } | null;
  /** mL per subtype and `total`. */
  volume: Record<string, number> | null;
  keySlices: { index: number; z: number | null; any: number }[];
  slices: SliceScore[];
  results: { kind: string; sopInstanceUid: string; seriesInstanceUid: string }[];
}
