/**
 * Counts that describe an index: the `ichscan index --json` summary. Positives count labelled,
 * non-excluded images that have a file; "labels without file" and "files without labels" are the
 * two mismatch reports the label join owes the user.
 */
import { SUBTYPES, type Subtype } from '../core/subtypes.js';
import type { IndexDb } from './index-db.js';

export interface IndexSummary {
  /** Files seen in the folder (readable or not). */
  files: number;
  /** Readable DICOM images. */
  images: number;
  studies: number;
  patients: number;
  series: number;
  /** Images with a label, per subtype positive count (excluded images not counted). */
  positives: Record<Subtype, number>;
  /** Files that could not be indexed. */
  errors: number;
  /** Errors per ICH_E_* code. */
  errorsByCode: Record<string, number>;
  /** The first few failures in path order (code and message naming the file), to show the user. */
  firstErrors: { code: string; message: string }[];
  /** Images with labels (not excluded). */
  labelled: number;
  /** Images with a file but no label row (only meaningful when labels were given). */
  filesWithoutLabels: number;
  /** Label rows whose image has no file in the folder. */
  labelsWithoutFile: number;
  /** Images present in the folder but excluded (known corrupt, incomplete labels). */
  excludedImages: number;
  /** Images the RSNA 12-bit fix applies to. */
  rsna12BitFix: number;
}

/** SQL select terms `s0..s5`: positive counts per subtype over a joined labels table `l`. */
export const POSITIVE_SUMS_SQL = SUBTYPES.map((_, i) => `SUM((l.bits >> ${i}) & 1) AS s${i}`).join(', ');

/** Reads the `s0..s5` terms of POSITIVE_SUMS_SQL into a per-subtype record (NULL sums count 0). */
export function positivesFromRow(row: Record<string, unknown>): Record<Subtype, number> {
  return Object.fromEntries(SUBTYPES.map((s, i) => [s, Number(row[`s${i}`] ?? 0)])) as Record<Subtype, number>;
}

function count(db: IndexDb, sql: string): number {
  return Number(db.prepare(sql).pluck().get() ?? 0);
}

export function summarizeIndex(db: IndexDb): IndexSummary {
  const row = db
    .prepare(`SELECT COUNT(*) AS n, ${POSITIVE_SUMS_SQL} FROM images i JOIN labels l USING(image_id) WHERE i.image_id NOT IN (SELECT image_id FROM excluded)`)
    .get() as Record<string, number | null>;
  const positives = positivesFromRow(row);
  const errorsByCode: Record<string, number> = {};
  for (const r of db.prepare('SELECT error_code AS code, COUNT(*) AS n FROM files WHERE error_code IS NOT NULL GROUP BY error_code ORDER BY error_code').all() as { code: string; n: number }[]) {
    errorsByCode[r.code] = r.n;
  }
  const hasLabels = count(db, 'SELECT COUNT(*) FROM labels') + count(db, 'SELECT COUNT(*) FROM excluded') > 0;
  return {
    files: count(db, 'SELECT COUNT(*) FROM files'),
    images: count(db, 'SELECT COUNT(*) FROM images'),
    studies: count(db, 'SELECT COUNT(DISTINCT study_uid) FROM images'),
    patients: count(db, 'SELECT COUNT(DISTINCT patient_id) FROM images'),
    series: count(db, 'SELECT COUNT(DISTINCT series_key) FROM images'),
    positives,
    errors: count(db, 'SELECT COUNT(*) FROM files WHERE error_code IS NOT NULL'),
    errorsByCode,
    firstErrors: db.prepare('SELECT error_code AS code, error_message AS message FROM files WHERE error_code IS NOT NULL ORDER BY path LIMIT 5').all() as { code: string; message: string }[],
    labelled: Number(row['n'] ?? 0),
    filesWithoutLabels: hasLabels
      ? count(db, 'SELECT COUNT(*) FROM images WHERE image_id NOT IN (SELECT image_id FROM labels) AND image_id NOT IN (SELECT image_id FROM excluded)')
      : 0,
    labelsWithoutFile: count(db, 'SELECT COUNT(*) FROM labels WHERE image_id NOT IN (SELECT image_id FROM images)'),
    excludedImages: count(db, 'SELECT COUNT(*) FROM images WHERE image_id IN (SELECT image_id FROM excluded)'),
    rsna12BitFix: count(db, 'SELECT COUNT(*) FROM images WHERE rsna_12bit_fix = 1'),
  };
}
