/**
 * Folds in the index: reads patient groups (PatientID, else StudyInstanceUID, else series key) with
 * their positive counts, stores each image's fold in `images.fold` (-1 = holdout, NULL = not split,
 * e.g. images indexed after the split), checks that no group spans two folds, and reports per fold.
 */
import { ichError } from '../core/errors.js';
import { SUBTYPES, type Subtype } from '../core/subtypes.js';
import { setMeta, type IndexDb } from './index-db.js';
import { POSITIVE_SUMS_SQL, positivesFromRow } from './index-summary.js';
import { assignFolds, HOLDOUT_FOLD, type SplitGroup, type SplitOptions } from './split.js';

/** SQL for an image's split group. */
export const GROUP_KEY_SQL = "COALESCE(i.patient_id, 'study:' || i.study_uid, 'series:' || i.series_key)";

/** Usable images only: excluded ids never enter a fold. */
const USABLE = 'i.image_id NOT IN (SELECT image_id FROM excluded)';

export interface FoldReport {
  /** 0..K-1, or -1 for the holdout. */
  fold: number;
  /** Group keys (PatientIDs) in this fold, sorted. */
  patients: string[];
  images: number;
  positives: Record<Subtype, number>;
}

export function readSplitGroups(db: IndexDb): SplitGroup[] {
  const rows = db
    .prepare(`SELECT ${GROUP_KEY_SQL} AS key, COUNT(*) AS n, ${POSITIVE_SUMS_SQL} FROM images i LEFT JOIN labels l USING(image_id) WHERE ${USABLE} GROUP BY key ORDER BY key`)
    .all() as Record<string, string | number>[];
  return rows.map((r) => ({ key: String(r['key']), images: Number(r['n']), positives: SUBTYPES.map((_, s) => Number(r[`s${s}`] ?? 0)) }));
}

/** Assigns and stores folds; returns the per-fold report (holdout last). Throws ICH_E_EMPTY_DATASET on an empty index. */
export function splitIndex(db: IndexDb, opts: SplitOptions): FoldReport[] {
  const groups = readSplitGroups(db);
  if (groups.length === 0) throw ichError('ICH_E_EMPTY_DATASET', 'the index holds no usable images', { file: db.name });
  const folds = assignFolds(groups, opts);
  db.exec('CREATE TEMP TABLE IF NOT EXISTS fold_assign (key TEXT PRIMARY KEY, fold INTEGER NOT NULL)');
  const put = db.prepare('INSERT INTO fold_assign(key, fold) VALUES (?, ?)');
  db.transaction(() => {
    db.exec('DELETE FROM fold_assign; UPDATE images SET fold = NULL');
    for (const [key, fold] of folds) put.run(key, fold);
    db.exec(`UPDATE images AS i SET fold = f.fold FROM fold_assign AS f WHERE f.key = ${GROUP_KEY_SQL}`);
    setMeta(db, 'split', JSON.stringify({ folds: opts.folds, seed: opts.seed, holdout: opts.holdout ?? 0 }));
  })();
  assertNoGroupLeak(db);
  return reportFolds(db);
}

/** Throws ICH_E_INDEX if any patient group has images in two folds. */
export function assertNoGroupLeak(db: IndexDb): void {
  const leaks = db
    .prepare(`SELECT ${GROUP_KEY_SQL} AS key FROM images i WHERE fold IS NOT NULL GROUP BY key HAVING COUNT(DISTINCT fold) > 1 LIMIT 5`)
    .pluck()
    .all() as string[];
  if (leaks.length > 0) throw ichError('ICH_E_INDEX', `${leaks.length}+ patient groups span several folds (first: ${leaks[0]})`, { file: db.name });
}

export function reportFolds(db: IndexDb): FoldReport[] {
  const rows = db
    .prepare(`SELECT fold, COUNT(*) AS n, ${POSITIVE_SUMS_SQL} FROM images i LEFT JOIN labels l USING(image_id) WHERE fold IS NOT NULL AND ${USABLE} GROUP BY fold`)
    .all() as Record<string, number>[];
  const members = db.prepare(`SELECT DISTINCT ${GROUP_KEY_SQL} AS key FROM images i WHERE fold = ? ORDER BY key`).pluck();
  const reports = rows.map((r) => ({
    fold: Number(r['fold']),
    patients: members.all(r['fold']) as string[],
    images: Number(r['n']),
    positives: positivesFromRow(r),
  }));
  // folds ascending, holdout (-1) last
  return reports.sort((a, b) => (a.fold === HOLDOUT_FOLD ? 1 : b.fold === HOLDOUT_FOLD ? -1 : a.fold - b.fold));
}
