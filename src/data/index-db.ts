/**
 * The on-disk dataset index: one SQLite file (better-sqlite3, WAL journal) describing a folder of
 * DICOM files. The schema is documented in docs/data.md; paths are stored relative to the indexed
 * root (kept in `meta.root`) so an index describes exactly one folder.
 *
 * Tables: `meta` (key/value), `files` (every file seen: size, mtime, error), `images` (one row per
 * readable DICOM: UIDs, geometry, rescale, order in its series, fold), `labels` (Kaggle labels by
 * image id, also for ids without a file), `excluded` (image ids dropped, with the reason).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { ichError, toIchError } from '../core/errors.js';

export type IndexDb = Database.Database;

export const INDEX_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  image_id TEXT,
  error_code TEXT,
  error_message TEXT
);
CREATE TABLE IF NOT EXISTS images (
  image_id TEXT PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  sop_uid TEXT NOT NULL,
  series_uid TEXT,
  study_uid TEXT,
  patient_id TEXT,
  series_key TEXT NOT NULL,
  modality TEXT,
  instance_number INTEGER,
  z REAL,
  slice_pos REAL,
  rows INTEGER NOT NULL,
  columns INTEGER NOT NULL,
  frames INTEGER NOT NULL,
  slice_thickness REAL,
  spacing_row REAL,
  spacing_col REAL,
  rescale_slope REAL NOT NULL,
  rescale_intercept REAL NOT NULL,
  bits_stored INTEGER NOT NULL,
  pixel_representation INTEGER NOT NULL,
  rsna_12bit_fix INTEGER NOT NULL,
  transfer_syntax TEXT NOT NULL,
  series_rank INTEGER,
  series_len INTEGER,
  prev_id TEXT,
  next_id TEXT,
  fold INTEGER
);
CREATE INDEX IF NOT EXISTS images_series ON images(series_key, slice_pos);
CREATE INDEX IF NOT EXISTS images_patient ON images(patient_id);
CREATE TABLE IF NOT EXISTS labels (
  image_id TEXT PRIMARY KEY,
  bits INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS excluded (image_id TEXT PRIMARY KEY, reason TEXT NOT NULL);
`;

export interface OpenIndexOptions {
  /** Create the file and schema when absent (index command). Otherwise a missing file is an error. */
  create?: boolean;
  readonly?: boolean;
}

/** Opens (or creates) an index. Throws ICH_E_FILE_NOT_FOUND / ICH_E_INDEX naming the file. */
export function openIndexDb(file: string, opts: OpenIndexOptions = {}): IndexDb {
  if (!opts.create && !existsSync(file)) throw ichError('ICH_E_FILE_NOT_FOUND', 'index database (run `ichscan index` first)', { file });
  let db: IndexDb;
  try {
    db = new Database(file, { readonly: opts.readonly === true, fileMustExist: !opts.create });
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('busy_timeout = 5000');
  } catch (e) {
    throw toIchError(e, 'ICH_E_INDEX', file);
  }
  try {
    if (opts.create) {
      db.exec(SCHEMA);
      if (getMeta(db, 'schema_version') === undefined) setMeta(db, 'schema_version', String(INDEX_SCHEMA_VERSION));
    }
    const version = getMeta(db, 'schema_version');
    if (version !== String(INDEX_SCHEMA_VERSION)) throw ichError('ICH_E_INDEX', `schema version ${version ?? 'missing'}, expected ${INDEX_SCHEMA_VERSION} (rebuild the index)`, { file });
  } catch (e) {
    db.close();
    throw toIchError(e, 'ICH_E_INDEX', file);
  }
  return db;
}

export function getMeta(db: IndexDb, key: string): string | undefined {
  try {
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  } catch (e) {
    throw toIchError(e, 'ICH_E_INDEX', db.name);
  }
}

export function setMeta(db: IndexDb, key: string, value: string): void {
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function deleteMeta(db: IndexDb, key: string): void {
  db.prepare('DELETE FROM meta WHERE key = ?').run(key);
}

/** The folder the index describes (absolute), as recorded by the first `ichscan index` run. */
export function getIndexRoot(db: IndexDb): string {
  const root = getMeta(db, 'root');
  if (root === undefined) throw ichError('ICH_E_INDEX', 'index has no root folder recorded', { file: db.name });
  return root;
}
