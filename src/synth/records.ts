/**
 * The dataset-level records: per-study JSON (what studies.json lists) and the Kaggle labels CSV.
 * Labels come from the rendered masks: a slice is positive for a subtype iff its mask has a pixel
 * of that subtype, and `any` is their OR.
 */
import { HEMORRHAGE_SUBTYPES, SUBTYPES } from '../core/subtypes.js';
import type { Subtype } from '../core/subtypes.js';
import type { PixelEncoding, SubtypeRecord } from './types.js';
import type { Bleed } from './hemorrhage.js';

export interface SliceRecord {
  imageId: string;
  sopInstanceUid: string;
  instanceNumber: number;
  /** ImagePositionPatient z, mm. */
  z: number;
  /** 0/1 per label, SUBTYPES order keys. */
  labels: Record<Subtype, 0 | 1>;
  /** Blood pixels per subtype in this slice's mask. */
  bloodPixels: SubtypeRecord<number>;
}

export interface StudyRecord {
  index: number;
  patientId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  encoding: PixelEncoding;
  rescaleIntercept: number;
  /** mm. */
  pixelSpacing: number;
  sliceThickness: number;
  /** Study-level labels (OR over slices). */
  labels: Record<Subtype, 0 | 1>;
  /** Blood volume per subtype, mL = voxels × spacing² × thickness / 1000. */
  bloodVolumeMl: SubtypeRecord<number>;
  /** Slices in ascending z. */
  slices: SliceRecord[];
  /** What was drawn, z range in patient mm (for people reading the data; the masks are the truth). */
  bleeds: { subtype: string; hu: number; zMin: number; zMax: number }[];
}

/** Labels of one slice from its per-subtype pixel counts (HEMORRHAGE_SUBTYPES order). */
export function labelsFromCounts(counts: readonly number[]): Record<Subtype, 0 | 1> {
  const labels = Object.fromEntries(SUBTYPES.map((s) => [s, 0])) as Record<Subtype, 0 | 1>;
  HEMORRHAGE_SUBTYPES.forEach((s, i) => {
    if ((counts[i] ?? 0) > 0) {
      labels[s] = 1;
      labels.any = 1;
    }
  });
  return labels;
}

export function bloodPixelsFromCounts(counts: readonly number[]): SubtypeRecord<number> {
  return Object.fromEntries(HEMORRHAGE_SUBTYPES.map((s, i) => [s, counts[i] ?? 0])) as SubtypeRecord<number>;
}

/** Study-level labels and volumes from its slices. */
export function summariseStudy(slices: readonly SliceRecord[], spacing: number, thickness: number): { labels: Record<Subtype, 0 | 1>; bloodVolumeMl: SubtypeRecord<number> } {
  const labels = Object.fromEntries(SUBTYPES.map((s) => [s, 0])) as Record<Subtype, 0 | 1>;
  const bloodVolumeMl = Object.fromEntries(HEMORRHAGE_SUBTYPES.map((s) => [s, 0])) as SubtypeRecord<number>;
  for (const sl of slices) {
    for (const s of SUBTYPES) if (sl.labels[s]) labels[s] = 1;
    for (const s of HEMORRHAGE_SUBTYPES) bloodVolumeMl[s] += sl.bloodPixels[s];
  }
  for (const s of HEMORRHAGE_SUBTYPES) bloodVolumeMl[s] = Math.round(((bloodVolumeMl[s] * spacing * spacing * thickness) / 1000) * 1000) / 1000;
  return { labels, bloodVolumeMl };
}

/** What was drawn, with heights converted to patient z (mm) by adding `zOffset`. */
export function describeBleeds(bleeds: readonly Bleed[], zOffset: number): StudyRecord['bleeds'] {
  const r = (x: number): number => Math.round(x * 10) / 10;
  return bleeds.map((b) => ({ subtype: b.subtype, hu: r(b.hu), zMin: r(b.zMin + zOffset), zMax: r(b.zMax + zOffset) }));
}

/** The Kaggle-format labels CSV: `ID,Label` then 6 rows per image (`ID_<img>_<subtype>,0|1`). */
export function formatLabelsCsv(studies: readonly { slices: readonly SliceRecord[] }[]): string {
  const lines = ['ID,Label'];
  for (const st of studies) for (const sl of st.slices) for (const s of SUBTYPES) lines.push(`${sl.imageId}_${s},${sl.labels[s]}`);
  return `${lines.join('\n')}\n`;
}
