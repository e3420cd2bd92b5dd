/**
 * `ichscan index`: walks a folder, scans the headers of new or changed files (path + size + mtime
 * decide) on a worker-thread pool, stores them chunk by chunk, drops vanished files, joins labels,
 * orders every series by slice position and returns the summary. Re-running on an unchanged folder
 * writes nothing; a run killed midway loses at most the chunks that were in flight.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { ichError } from '../core/errors.js';
import { createProgress } from '../core/progress.js';
import { readLabelsCsv, type LabelStats } from './labels.js';
import { getMeta, openIndexDb, setMeta, type IndexDb } from './index-db.js';
import { createScanWriter, labelsUnchanged, orderSeries, removeFiles, storeLabels } from './index-write.js';
import { summarizeIndex, type IndexSummary } from './index-summary.js';
import { scanHeaderFile, type ScanResult } from './scan-header.js';
import type { ScanChunk } from './scan-worker.js';
import { walkFiles, type FileEntry } from '../core/walk-files.js';
import { createWorkerPool } from '../core/worker-pool.js';
import { runInOrder } from './ordered-prefetch.js';

export interface BuildIndexOptions {
  /** Folder of DICOM files (walked recursively). */
  dir: string;
  /** SQLite index file (created when absent). */
  db: string;
  /** Kaggle label CSV to join. */
  labels?: string;
  /** Scan threads; 0 scans on the calling thread. Default: available cores. */
  workers?: number;
  /** Scan again the files that failed before even when unchanged (e.g. after upgrading ichscan). */
  retryErrors?: boolean;
  /** Files per worker job (default 64). */
  chunkSize?: number;
  /** Progress line on this stream (stderr by default); `false` for none. */
  progress?: NodeJS.WritableStream | false;
}

export interface BuildIndexReport {
  /** Files whose header was read in this run. */
  scanned: number;
  /** Files skipped as unchanged. */
  skipped: number;
  /** Files removed from the index because they left the folder. */
  removed: number;
  /** Label file stats when labels were (re)read in this run. */
  labelStats: LabelStats | undefined;
  seconds: number;
  summary: IndexSummary;
}

/** Splits the walk into files to scan (new or changed) and files gone from the folder. */
export function diffAgainstIndex(db: IndexDb, entries: readonly FileEntry[], retryErrors = false): { toScan: FileEntry[]; removed: string[] } {
  const known = new Map<string, { size: number; mtime_ms: number; failed: number }>();
  const rows = db.prepare('SELECT path, size, mtime_ms, error_code IS NOT NULL AS failed FROM files').iterate() as Iterable<{ path: string; size: number; mtime_ms: number; failed: number }>;
  for (const row of rows) known.set(row.path, row);
  const toScan: FileEntry[] = [];
  for (const e of entries) {
    const k = known.get(e.path);
    if (!k || k.size !== e.size || k.mtime_ms !== e.mtimeMs || (retryErrors && k.failed === 1)) toScan.push(e);
    known.delete(e.path);
  }
  return { toScan, removed: [...known.keys()] };
}

function checkRoot(db: IndexDb, root: string): void {
  const recorded = getMeta(db, 'root');
  if (recorded !== undefined && recorded !== root) {
    throw ichError('ICH_E_USAGE', `this index describes ${recorded}, not ${root}: use another --db file`, { file: db.name });
  }
  if (recorded === undefined) setMeta(db, 'root', root);
}

async function scanAll(root: string, toScan: readonly FileEntry[], opts: BuildIndexOptions, write: (r: readonly ScanResult[]) => void): Promise<void> {
  if (toScan.length === 0) return;
  const chunkSize = opts.chunkSize ?? 64;
  const workers = opts.workers ?? availableParallelism();
  const progress = createProgress({ label: 'index', total: toScan.length, unit: 'files', silent: opts.progress === false, ...(opts.progress ? { stream: opts.progress } : {}) });
  const chunks: string[][] = [];
  for (let i = 0; i < toScan.length; i += chunkSize) chunks.push(toScan.slice(i, i + chunkSize).map((e) => e.path));
  if (workers === 0) {
    for (const paths of chunks) {
      write(paths.map((p) => scanHeaderFile(join(root, p), p)));
      progress.tick(paths.length);
    }
  } else if (chunks.length > 0) {
    const pool = createWorkerPool<ScanChunk, ScanResult[]>(new URL('./scan-worker.js', import.meta.url), Math.min(workers, chunks.length));
    try {
      // A bounded number of chunks in flight, stored in submission (= path) order, so which of two
      // files with the same image id is indexed first does not depend on thread timing.
      const requests = chunks.map((paths): ScanChunk => ({ root, paths }));
      for await (const res of runInOrder(requests, (req) => pool.run(req), pool.size * 4)) {
        write(res);
        progress.tick(res.length);
      }
    } finally {
      await pool.close();
    }
  }
  progress.finish();
}

export async function buildIndex(opts: BuildIndexOptions): Promise<BuildIndexReport> {
  const started = Date.now();
  const root = resolve(opts.dir);
  const entries = walkFiles(root);
  const db = openIndexDb(opts.db, { create: true });
  try {
    checkRoot(db, root);
    const { toScan, removed } = diffAgainstIndex(db, entries, opts.retryErrors === true);
    removeFiles(db, removed);
    const byPath = new Map(toScan.map((e) => [e.path, e]));
    const writeChunk = createScanWriter(db);
    await scanAll(root, toScan, opts, (results) => writeChunk(results, byPath));
    let labelStats: LabelStats | undefined;
    if (opts.labels !== undefined) {
      const file = resolve(opts.labels);
      const st = statSync(file, { throwIfNoEntry: false });
      if (!st) throw ichError('ICH_E_FILE_NOT_FOUND', 'label CSV', { file });
      const source = { file, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
      if (!labelsUnchanged(db, source)) {
        const table = await readLabelsCsv(file);
        storeLabels(db, table, source);
        labelStats = table.stats;
      }
    }
    orderSeries(db);
    return { scanned: toScan.length, skipped: entries.length - toScan.length, removed: removed.length, labelStats, seconds: (Date.now() - started) / 1000, summary: summarizeIndex(db) };
  } finally {
    db.close();
  }
}
