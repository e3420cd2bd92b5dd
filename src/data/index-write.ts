/**
 * Writes into the dataset index: scan results (one transaction per chunk, so a killed run loses at
 * most the chunks in flight), removal of vanished files, the label table, and the per-series slice
 * order (rank, length, previous/next image id) that gives every slice its neighbours.
 */
import type { LabelTable } from './labels.js';
import { deleteMeta, getMeta, setMeta, type IndexDb } from './index-db.js';
import type { FileEntry } from '../core/walk-files.js';
import type { ImageRecord, ScanResult } from './scan-header.js';

/** Set while images changed and the series order has not been recomputed yet. */
const ORDER_DIRTY = 'order_dirty';

/** The key slices are grouped by for ordering: the SeriesInstanceUID, else the image alone. */
export function seriesKeyOf(record: Pick<ImageRecord, 'seriesUid' | 'imageId'>): string {
  return record.seriesUid ?? `nouid:${record.imageId}`;
}

/** Returns a function that stores one chunk of scan results (with their stat data) in one transaction. */
export function createScanWriter(db: IndexDb): (results: readonly ScanResult[], entries: ReadonlyMap<string, FileEntry>) => void {
  const dropImage = db.prepare('DELETE FROM images WHERE path = ?');
  const owner = db.prepare('SELECT path FROM images WHERE image_id = ?').pluck();
  const putFile = db.prepare(
    `INSERT INTO files(path, size, mtime_ms, image_id, error_code, error_message) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, image_id = excluded.image_id,
     error_code = excluded.error_code, error_message = excluded.error_message`,
  );
  const putImage = db.prepare(
    `INSERT INTO images(image_id, path, sop_uid, series_uid, study_uid, patient_id, series_key, modality, instance_number, z, slice_pos,
       rows, columns, frames, slice_thickness, spacing_row, spacing_col, rescale_slope, rescale_intercept, bits_stored,
       pixel_representation, rsna_12bit_fix, transfer_syntax)
     VALUES (@imageId, @path, @sopUid, @seriesUid, @studyUid, @patientId, @seriesKey, @modality, @instanceNumber, @z, @slicePos,
       @rows, @columns, @frames, @sliceThickness, @spacingRow, @spacingCol, @rescaleSlope, @rescaleIntercept, @bitsStored,
       @pixelRepresentation, @rsna12BitFix, @transferSyntax)`,
  );
  return db.transaction((results: readonly ScanResult[], entries: ReadonlyMap<string, FileEntry>) => {
    setMeta(db, ORDER_DIRTY, '1');
    for (const r of results) {
      const st = entries.get(r.path);
      if (!st) continue;
      dropImage.run(r.path);
      if (!r.ok) {
        putFile.run(r.path, st.size, st.mtimeMs, null, r.code, r.message);
        continue;
      }
      const other = owner.get(r.record.imageId) as string | undefined;
      if (other !== undefined) {
        putFile.run(r.path, st.size, st.mtimeMs, null, 'ICH_E_INDEX', `${r.path}: duplicate image id ${r.record.imageId} (already indexed from ${other})`);
        continue;
      }
      putFile.run(r.path, st.size, st.mtimeMs, r.record.imageId, null, null);
      putImage.run({ ...r.record, path: r.path, seriesKey: seriesKeyOf(r.record), rsna12BitFix: r.record.rsna12BitFix ? 1 : 0 });
    }
  });
}

/** Deletes files (and their images) that are no longer in the folder. */
export function removeFiles(db: IndexDb, paths: readonly string[]): void {
  if (paths.length === 0) return;
  const delImage = db.prepare('DELETE FROM images WHERE path = ?');
  const delFile = db.prepare('DELETE FROM files WHERE path = ?');
  db.transaction(() => {
    setMeta(db, ORDER_DIRTY, '1');
    for (const p of paths) {
      delImage.run(p);
      delFile.run(p);
    }
  })();
}

/** Replaces the label and exclusion tables with a parsed label file. */
export function storeLabels(db: IndexDb, table: LabelTable, source: { file: string; size: number; mtimeMs: number }): void {
  const putLabel = db.prepare('INSERT INTO labels(image_id, bits) VALUES (?, ?)');
  const putExcluded = db.prepare('INSERT INTO excluded(image_id, reason) VALUES (?, ?)');
  db.transaction(() => {
    db.exec('DELETE FROM labels; DELETE FROM excluded;');
    for (const [id, bits] of table.labels) putLabel.run(id, bits);
    for (const [id, reason] of table.excluded) putExcluded.run(id, reason);
    setMeta(db, 'labels_source', JSON.stringify(source));
    setMeta(db, 'labels_stats', JSON.stringify(table.stats));
  })();
}

/** True when `labels_source` already records this exact file (same path, size, mtime). */
export function labelsUnchanged(db: IndexDb, source: { file: string; size: number; mtimeMs: number }): boolean {
  return getMeta(db, 'labels_source') === JSON.stringify(source);
}

/**
 * Orders the slices of every series by position along the slice normal (then InstanceNumber, then
 * image id) and stores rank (0-based), series length and the previous/next image ids. Slices with
 * no position sort after the others. Runs only when something changed since the last ordering.
 */
export function orderSeries(db: IndexDb, force = false): boolean {
  if (!force && getMeta(db, ORDER_DIRTY) !== '1') return false;
  db.transaction(() => {
    db.exec(`
      WITH o AS (
        SELECT image_id,
          ROW_NUMBER() OVER w - 1 AS r,
          COUNT(*) OVER (PARTITION BY series_key) AS n,
          LAG(image_id) OVER w AS p,
          LEAD(image_id) OVER w AS nx
        FROM images
        WINDOW w AS (PARTITION BY series_key ORDER BY slice_pos IS NULL, slice_pos, instance_number, image_id)
      )
      UPDATE images SET series_rank = o.r, series_len = o.n, prev_id = o.p, next_id = o.nx
      FROM o WHERE images.image_id = o.image_id;`);
    deleteMeta(db, ORDER_DIRTY);
  })();
  return true;
}
