/**
 * What `writeDicomResults` writes from: one scored series with its per-slice label maps, the study
 * verdict, volumes and key images (produced by `ichscan predict`), plus where and how to write.
 */
import type { Subtype } from '../core/subtypes.js';
import type { Image } from '../core/tensor.js';
import type { Verdict } from '../infer/verdict.js';

/** The five hemorrhage subtypes (HEMORRHAGE_SUBTYPES), without `any`. */
export type HemorrhageSubtype = Exclude<Subtype, 'any'>;

export interface ResultSlice {
  /** Source DICOM file; read leniently for its patient/study modules, SOP Class/Instance UID and geometry. */
  file: string;
  /** 0-based frame of the source; 0 for single-frame sources. */
  frame: number;
  /** The source's Rows × Columns. */
  rows: number;
  columns: number;
  /** rows × columns, row-major: 0 = no blood, k = 1..5 = HEMORRHAGE_SUBTYPES[k − 1]. */
  labels: Uint8Array;
  probabilities: Record<Subtype, number>;
}

export interface ResultStudy {
  /** Copied as they are (RSNA's `ID_…` values are not valid UIDs but must be kept so results join the source study). */
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** The scored series, z-ordered. */
  slices: ResultSlice[];
  verdict: Verdict;
  /** mL, the same numbers `predict --json` prints. */
  volumeMl: { total: number } & Record<HemorrhageSubtype, number>;
  /** mm along the slice normal (patient coordinates for axial series); null when no blood. */
  zExtentMm: { from: number; to: number } | null;
  /** Key slices (index into `slices`) with the overlay burned in: HWC RGB, any size. */
  keyImages: { sliceIndex: number; rgb: Image<'uint8'> }[];
  model: { name: string; version: string };
  /** The study's warnings (predict's `warnings`, e.g. a contrast-enhanced series), written into the SR's comment; absent = none. */
  warnings?: readonly string[];
}

export interface DicomResultOptions {
  /** Folder the study's result folder is written under. */
  outDir: string;
  /** UID root for everything ichscan creates (digits and dots, ≤ 40 characters, no leading zeros). */
  uidRoot: string;
  /** ichscan's version (SoftwareVersions). */
  softwareVersion: string;
  /** Content/series date and time; default: the current time. */
  now?: Date;
}

export type ResultKind = 'sr' | 'seg' | 'sc' | 'kos';

export interface WrittenResult {
  kind: ResultKind;
  /** Final path of the file. */
  path: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

export interface DicomResults {
  /** The study's result folder (`outDir/<folder named after the study>`). */
  dir: string;
  files: WrittenResult[];
}
