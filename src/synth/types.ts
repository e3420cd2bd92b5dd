/**
 * Public types of the synthetic head-CT generator (`ichscan synth`).
 */
import type { HEMORRHAGE_SUBTYPES } from '../core/subtypes.js';

export type HemorrhageSubtype = (typeof HEMORRHAGE_SUBTYPES)[number];

/**
 * How stored pixel values encode HU, like the three encodings of the RSNA files:
 * - `int16`: signed 16-bit, BitsStored 16, stored = HU − intercept, −2000 outside the scan circle;
 * - `uint12`: unsigned, BitsStored 12, intercept −1024, stored = HU + 1024 clamped to [0, 4095];
 * - `uint12-rsna-wrapped`: the broken RSNA files: unsigned, BitsStored 12, intercept > −100,
 *   stored = HU mod 4096 (HU clamped to [−1000, 3095]); ichscan's 12-bit fix restores HU exactly.
 */
export type PixelEncoding = 'int16' | 'uint12' | 'uint12-rsna-wrapped';

export interface SynthOptions {
  /** Number of studies (one patient, one axial series each). */
  studies: number;
  /** Inclusive range of slices per study. */
  slicesPerStudy: [number, number];
  /** Rows = columns, pixels. */
  size: number;
  seed: number;
  /** Fraction of studies with any hemorrhage, [0, 1]. */
  prevalence: number;
  /** Output folder. */
  out: string;
  /** Replace a non-empty output folder's synth outputs. */
  force?: boolean;
  /** Complete an interrupted run with the same options. */
  resume?: boolean;
  /** Called after each slice written (and each study kept by resume) with slices done / total. */
  onProgress?: (slicesDone: number, slicesTotal: number) => void;
}

/** Per-subtype values in HEMORRHAGE_SUBTYPES order. */
export type SubtypeRecord<T> = Record<HemorrhageSubtype, T>;

export interface SynthSummary {
  out: string;
  studies: number;
  slices: number;
  /** Studies and slices with any hemorrhage. */
  positiveStudies: number;
  positiveSlices: number;
  /** Slices positive per subtype. */
  positiveSlicesBySubtype: SubtypeRecord<number>;
  /** Studies found complete from an earlier run (resume) and not regenerated. */
  resumedStudies: number;
  seconds: number;
}
