/**
 * The service's SQLite file (`<data-dir>/ichscan.db`): studies, their instances, one job per
 * study (the embedded queue), one result per study + series + model version, and one delivery
 * per study + destination. WAL with synchronous=FULL: a committed row survives `kill -9`.
 * Times are epoch milliseconds.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { toIchError } from '../../core/errors.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS studies (
  study_uid TEXT PRIMARY KEY,
  digest TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('received','queued','scoring','done','failed')),
  arrived_at INTEGER NOT NULL,
  last_instance_at INTEGER NOT NULL,
  queued_at INTEGER,
  started_at INTEGER,
  finished_at INTEGER,
  instances INTEGER NOT NULL DEFAULT 0,
  flagged INTEGER,
  any_probability REAL,
  subtypes TEXT,
  volume_ml REAL,
  series_uid TEXT,
  skipped TEXT,
  error_code TEXT,
  error_message TEXT
);
CREATE TABLE IF NOT EXISTS instances (
  sop_uid TEXT PRIMARY KEY,
  study_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL,
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  header TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_by_study ON instances (study_uid);
CREATE TABLE IF NOT EXISTS jobs (
  study_uid TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('queued','running','done','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_run_at INTEGER NOT NULL,
  runs INTEGER NOT NULL DEFAULT 0,
  external_id TEXT,
  error_code TEXT,
  error_message TEXT
);
CREATE TABLE IF NOT EXISTS results (
  study_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL,
  model_version TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  summary TEXT NOT NULL,
  files TEXT NOT NULL,
  PRIMARY KEY (study_uid, series_uid, model_version)
);
CREATE TABLE IF NOT EXISTS deliveries (
  study_uid TEXT NOT NULL,
  destination TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','delivered','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  delivered_at INTEGER,
  error_code TEXT,
  error_message TEXT,
  PRIMARY KEY (study_uid, destination)
);
`;

/** Columns added after the first release: added to an older file when it is opened (NULL in old rows). */
const ADDED_COLUMNS: readonly { table: string; column: string; type: string }[] = [
  { table: 'studies', column: 'patient_age', type: 'TEXT' },
  { table: 'studies', column: 'patient_sex', type: 'TEXT' },
  // JSON array of the latest result's warnings (e.g. a contrast-enhanced series), for the worklist
  { table: 'studies', column: 'warnings', type: 'TEXT' },
];

function addMissingColumns(db: Database.Database): void {
  for (const c of ADDED_COLUMNS) {
    const have = (db.prepare(`PRAGMA table_info(${c.table})`).all() as { name: string }[]).some((r) => r.name === c.column);
    if (!have) db.exec(`ALTER TABLE ${c.table} ADD COLUMN ${c.column} ${c.type}`);
  }
}

export function openServeDb(file: string): Database.Database {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    addMissingColumns(db);
    return db;
  } catch (e) {
    throw toIchError(e, 'ICH_E_QUEUE', file);
  }
}
