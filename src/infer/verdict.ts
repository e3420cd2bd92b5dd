/**
 * Study (series) verdict from per-slice probabilities: the study's probability of each label is
 * the maximum over its slices (the rule study-level AUC uses). The study is positive when that
 * study score reaches the study-level threshold (`studyAny`: chosen on study scores, since the
 * maximum of n slice scores sits above a slice-level threshold far more often than one slice
 * does; falls back to the slice `any` threshold for cards without one). In a positive study,
 * labels at or above their slice threshold are "present" and the bleed range is the span of
 * slices whose `any` probability reaches the slice threshold. Key slices are the three with the
 * highest `any` probability.
 */
import { SUBTYPES, HEMORRHAGE_SUBTYPES, type Subtype } from '../core/subtypes.js';

export interface SliceScore {
  /** Position in the z-ordered series, 0-based. */
  index: number;
  file: string;
  frame: number;
  sopInstanceUid: string;
  /** mm along the slice normal; null when unknown. */
  z: number | null;
  probabilities: Record<Subtype, number>;
}

export interface KeySlice {
  index: number;
  file: string;
  z: number | null;
  any: number;
}

export interface Verdict {
  /** Max over slices of P(any). */
  anyProbability: number;
  /** anyProbability ≥ studyThreshold. */
  positive: boolean;
  /** Slice-level thresholds (subtypes present, bleed range). */
  thresholds: Record<Subtype, number>;
  /** Threshold on anyProbability for the study verdict. */
  studyThreshold: number;
  /** Max over slices per label. */
  probabilities: Record<Subtype, number>;
  /** Positive studies only: hemorrhage subtypes whose study probability reaches their threshold, most likely first. */
  subtypesPresent: Exclude<Subtype, 'any'>[];
  keySlices: KeySlice[];
  /** Positive studies only: slices from the first to the last with P(any) ≥ the slice threshold; null otherwise. */
  bleedRange: { firstIndex: number; lastIndex: number; slices: number; zFrom: number | null; zTo: number | null } | null;
}

export function toProbabilityRecord(p: Float32Array | Float64Array, offset = 0): Record<Subtype, number> {
  return Object.fromEntries(SUBTYPES.map((s, k) => [s, Number((p[offset + k] as number).toFixed(6))])) as Record<Subtype, number>;
}

/**
 * Builds the verdict of one series from its z-ordered slice scores. `studyThreshold` applies to
 * the study score (max over slices of P(any)); default: the slice threshold `thresholds.any`.
 */
export function computeVerdict(slices: readonly SliceScore[], thresholds: Record<Subtype, number>, studyThreshold = thresholds.any): Verdict {
  const probabilities = Object.fromEntries(SUBTYPES.map((s) => [s, slices.reduce((m, sl) => Math.max(m, sl.probabilities[s]), 0)])) as Record<Subtype, number>;
  const tAny = thresholds.any;
  const positive = probabilities.any >= studyThreshold;
  const hot = positive ? slices.filter((s) => s.probabilities.any >= tAny) : [];
  const first = hot[0];
  const last = hot[hot.length - 1];
  const keySlices = [...slices]
    .sort((a, b) => b.probabilities.any - a.probabilities.any || a.index - b.index)
    .slice(0, 3)
    .map((s) => ({ index: s.index, file: s.file, z: s.z, any: s.probabilities.any }));
  return {
    anyProbability: probabilities.any,
    positive,
    thresholds,
    studyThreshold,
    probabilities,
    subtypesPresent: HEMORRHAGE_SUBTYPES.filter((s) => positive && probabilities[s] >= thresholds[s]).sort((a, b) => probabilities[b] - probabilities[a]),
    keySlices,
    bleedRange:
      first && last
        ? { firstIndex: first.index, lastIndex: last.index, slices: last.index - first.index + 1, zFrom: first.z, zTo: last.z }
        : null,
  };
}
