/**
 * The `preprocess` job: every file under an input folder → `<out>/<relative path>.ict` (the tensor
 * cache format; the same naming the loader's cacheDir uses), on a pool of worker threads.
 *
 * - Refuses a non-empty output folder unless resuming (ICH_E_OUTPUT_EXISTS); never overwrites.
 * - Writes `<out>/preprocess.json` (the settings) first; `resume` checks them and refuses a folder
 *   made with other settings, deletes leftover temporary files of a killed run, and skips inputs
 *   whose cache file exists (each is written atomically, so an existing one is complete).
 * - Failures are recorded and the job goes on; `<out>/failures.jsonl` lists this run's failures,
 *   one `{"file", "code", "message"}` per line (empty when none).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { ichError, type IchErrorCode } from '../core/errors.js';
import { walkFiles } from '../core/walk-files.js';
import { createWorkerPool } from '../core/worker-pool.js';
import { TMP_PREFIX, writeFileAtomicSync } from '../core/atomic-write.js';
import { cachePathOf, preprocessFileToCache, type CacheSettings, type FileOutcome } from './preprocess-file.js';
import type { PreprocessChunk } from './preprocess-worker.js';

export const SETTINGS_FILE = 'preprocess.json';
export const FAILURES_FILE = 'failures.jsonl';

export interface PreprocessJobOptions {
  inputDir: string;
  outDir: string;
  settings: CacheSettings;
  /** Worker threads; 0 runs on the calling thread. */
  workers: number;
  resume: boolean;
  /** Called once the work is known (files to do, files skipped by resume). */
  onStart?(todo: number, skipped: number): void;
  /** Called as files finish (done or failed), with how many just finished. */
  onProgress?(n: number): void;
}

export interface PreprocessFailure {
  file: string;
  code: IchErrorCode;
  message: string;
}

export interface PreprocessJobSummary {
  files: number;
  written: number;
  skipped: number;
  failed: number;
  frames: number;
  seconds: number;
  failures: PreprocessFailure[];
  failuresFile: string;
}

export async function runPreprocessJob(o: PreprocessJobOptions): Promise<PreprocessJobSummary> {
  const t0 = Date.now();
  const inputDir = resolve(o.inputDir);
  const outDir = resolve(o.outDir);
  // Never read our own output back as input when --out lies inside the input folder.
  const outRel = relative(inputDir, outDir).split(sep).join('/');
  const inside = outRel !== '' && !outRel.startsWith('..');
  const all = walkFiles(inputDir)
    .map((f) => f.path)
    .filter((p) => !(inside && (p === outRel || p.startsWith(`${outRel}/`))));
  prepareOutDir(outDir, o.settings, o.resume);
  const todo = o.resume ? all.filter((rel) => !existsSync(cachePathOf(outDir, rel))) : all;
  const skipped = all.length - todo.length;
  o.onStart?.(todo.length, skipped);

  // Only counters and failures are kept (800k outcome objects would cost ~100 MB).
  const failures: PreprocessFailure[] = [];
  let written = 0;
  let frames = 0;
  const record = (batch: FileOutcome[]): void => {
    for (const r of batch) {
      if (r.ok) {
        written++;
        frames += r.frames;
      } else {
        failures.push({ file: r.rel, code: r.code, message: r.message });
      }
    }
    o.onProgress?.(batch.length);
  };
  if (o.workers <= 0 || todo.length === 0) {
    for (const rel of todo) record([await preprocessFileToCache(inputDir, outDir, rel, o.settings)]);
  } else {
    await runOnWorkers(inputDir, outDir, todo, o.settings, o.workers, record);
  }

  const failuresFile = join(outDir, FAILURES_FILE);
  writeFileAtomicSync(failuresFile, Buffer.from(failures.map((f) => `${JSON.stringify(f)}\n`).join(''), 'utf8'));
  return {
    files: all.length,
    written,
    skipped,
    failed: failures.length,
    frames,
    seconds: (Date.now() - t0) / 1000,
    failures,
    failuresFile,
  };
}

/** Chunks of files to a worker pool, a bounded number in flight (memory stays flat for 800k files). */
async function runOnWorkers(inputDir: string, outDir: string, todo: string[], settings: CacheSettings, workers: number, record: (b: FileOutcome[]) => void): Promise<void> {
  const size = Math.min(workers, todo.length);
  const chunkSize = Math.max(1, Math.min(16, Math.ceil(todo.length / (size * 4))));
  const pool = createWorkerPool<PreprocessChunk, FileOutcome[]>(new URL('./preprocess-worker.js', import.meta.url), size);
  try {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < todo.length) {
        const rels = todo.slice(next, next + chunkSize);
        next += rels.length;
        record(await pool.run({ inputDir, outDir, rels, settings }));
      }
    };
    // Two chunks per worker in flight keeps every worker busy while results come back.
    await Promise.all(Array.from({ length: size * 2 }, lane));
  } finally {
    await pool.close();
  }
}

/** Create, or check for resuming, the output folder (see the module comment). */
function prepareOutDir(outDir: string, settings: CacheSettings, resume: boolean): void {
  const settingsPath = join(outDir, SETTINGS_FILE);
  const wanted = `${JSON.stringify({ format: 'ichscan tensor cache', ...settings }, null, 2)}\n`;
  const entries = existsSync(outDir) ? readdirSync(outDir) : [];
  if (entries.length > 0 && !resume) throw ichError('ICH_E_OUTPUT_EXISTS', 'output folder is not empty (use --resume to continue a run, or another folder)', { file: outDir });
  if (entries.length > 0) {
    if (!existsSync(settingsPath)) throw ichError('ICH_E_OUTPUT_EXISTS', `not an ichscan preprocess folder (no ${SETTINGS_FILE}); refusing to write into it`, { file: outDir });
    const had = readFileSync(settingsPath, 'utf8');
    if (had !== wanted) throw ichError('ICH_E_USAGE', `--resume with other settings than the folder was made with (see ${SETTINGS_FILE})`, { file: outDir });
    removeTempFiles(outDir);
    return;
  }
  mkdirSync(outDir, { recursive: true });
  writeFileAtomicSync(settingsPath, Buffer.from(wanted, 'utf8'));
}

/** Leftovers of a killed run: temporary files written by writeFileAtomicSync. */
function removeTempFiles(dir: string): void {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) removeTempFiles(p);
    else if (d.name.startsWith(TMP_PREFIX)) rmSync(p, { force: true });
  }
}
