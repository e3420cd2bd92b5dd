/**
 * `ichscan synth --insert-into DIR`: lesions inserted into every series of a folder of real CT,
 * written in `synth`'s layout so the training code reads it unchanged —
 *   out/images/<image id>.dcm, out/masks/<image id>.mask.gz, out/labels.csv, out/studies.json,
 *   out/.synth/manifest.json (the options and a fingerprint of the input), out/.synth/series-<i>.json.
 * Deterministic: the same input, seed and options give a byte-identical folder. Resumable: each
 * file is written atomically, a series counts as done once its commit record exists, and
 * `resume` skips those and redoes the rest identically. Source files are only read.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { TMP_PREFIX, writeFileAtomicSync } from '../../core/atomic-write.js';
import { ichError } from '../../core/errors.js';
import { HEMORRHAGE_SUBTYPES, SUBTYPES } from '../../core/subtypes.js';
import type { SubtypeRecord } from '../types.js';
import { insertSeries, type InsertSeriesRecord } from './insert-series.js';
import { collectSourceSeries, readNegativeIds, type InputFailure } from './source-series.js';

export const STATE_DIR = '.synth';
const MANIFEST_VERSION = 1;
const GENERATOR = 'ichscan synth --insert-into';
const OWNED = ['images', 'masks', STATE_DIR, 'labels.csv', 'studies.json'];

export interface InsertOptions {
  /** Folder of real CT (walked recursively). */
  insertInto: string;
  out: string;
  /** Kaggle labels CSV: only slices whose `any` is 0 are used. */
  labels?: string;
  seed: number;
  /** Share of brain slices that should carry blood, (0, 1] (lesion-plan.ts). */
  perSliceProb: number;
  /** Series with fewer usable slices are skipped. */
  minSlices: number;
  force?: boolean;
  resume?: boolean;
  onProgress?: (slicesDone: number, slicesTotal: number) => void;
}

export interface InsertSummary {
  out: string;
  series: number;
  slices: number;
  positiveSeries: number;
  positiveSlices: number;
  positiveSlicesBySubtype: SubtypeRecord<number>;
  lesions: number;
  /** Files that failed (coded errors, listed in studies.json) and files left out on purpose. */
  failures: number;
  skipped: number;
  resumedSeries: number;
  seconds: number;
  slicesPerSecond: number;
}

interface Manifest {
  version: number;
  generator: typeof GENERATOR;
  insertInto: string;
  labels: string | null;
  /** SHA-256 of the labels file and of the input's usable file list (path, size). */
  labelsSha256: string | null;
  inputSha256: string;
  seed: number;
  perSliceProb: number;
  minSlices: number;
}

function checkOptions(o: InsertOptions): void {
  const bad = (what: string): never => {
    throw ichError('ICH_E_USAGE', what);
  };
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) bad(`seed must be an integer in [0, 4294967295], got ${o.seed}`);
  if (!(o.perSliceProb > 0 && o.perSliceProb <= 1)) bad(`per-slice-prob must be in (0, 1], got ${o.perSliceProb}`);
  if (!Number.isInteger(o.minSlices) || o.minSlices < 1) bad(`min-slices must be a positive integer, got ${o.minSlices}`);
  if (o.force && o.resume) bad('force and resume exclude each other');
  if (!existsSync(o.insertInto) || !statSync(o.insertInto).isDirectory()) throw ichError('ICH_E_FILE_NOT_FOUND', '--insert-into needs a folder of DICOM files', { file: o.insertInto });
  if (resolve(o.out).startsWith(`${resolve(o.insertInto)}/`) || resolve(o.out) === resolve(o.insertInto)) bad('--out must not lie inside --insert-into (sources are never written to)');
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw ichError('ICH_E_FILE_READ', e instanceof Error ? e.message : String(e), { file });
  }
}

function prepareOutput(o: InsertOptions, manifest: Manifest): boolean {
  const entries = existsSync(o.out) ? readdirSync(o.out) : [];
  const manifestFile = join(o.out, STATE_DIR, 'manifest.json');
  if (entries.length > 0) {
    if (o.resume) {
      if (!existsSync(manifestFile)) throw ichError('ICH_E_OUTPUT_EXISTS', 'not an insertion output folder (no .synth/manifest.json) — refusing to resume into it', { file: o.out });
      const old = JSON.stringify(readJson(manifestFile));
      if (old !== JSON.stringify(manifest)) throw ichError('ICH_E_USAGE', `resume needs the same input and options as the interrupted run: ${old}`, { file: o.out });
      for (const sub of ['images', 'masks', STATE_DIR]) {
        const dir = join(o.out, sub);
        if (existsSync(dir)) for (const name of readdirSync(dir)) if (name.startsWith(TMP_PREFIX)) rmSync(join(dir, name), { force: true });
      }
      return true;
    }
    if (!o.force) throw ichError('ICH_E_OUTPUT_EXISTS', 'output folder is not empty (use --force to replace synth outputs, --resume to complete them)', { file: o.out });
    for (const p of OWNED) rmSync(join(o.out, p), { recursive: true, force: true });
  }
  for (const sub of ['images', 'masks', STATE_DIR]) mkdirSync(join(o.out, sub), { recursive: true });
  writeFileAtomicSync(manifestFile, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return false;
}

function seriesRecordPath(out: string, index: number): string {
  return join(out, STATE_DIR, `series-${String(index).padStart(7, '0')}.json`);
}

function formatLabels(records: readonly InsertSeriesRecord[]): string {
  const lines = ['ID,Label'];
  for (const r of records) for (const sl of r.slices) for (const s of SUBTYPES) lines.push(`${sl.imageId}_${s},${sl.labels[s]}`);
  return `${lines.join('\n')}\n`;
}

/** Inserts lesions into every series under `o.insertInto` (or completes an interrupted run). */
export async function insertLesionsIntoFolder(o: InsertOptions): Promise<InsertSummary> {
  checkOptions(o);
  const started = performance.now();
  const insertInto = resolve(o.insertInto);
  const labels = o.labels === undefined ? undefined : resolve(o.labels);
  const negatives = labels === undefined ? undefined : await readNegativeIds(labels);
  const collected = collectSourceSeries(insertInto, { minSlices: o.minSlices, ...(negatives ? { negatives } : {}) });
  const fingerprint = createHash('sha256');
  for (const s of collected.series) for (const sl of s.slices) fingerprint.update(`${sl.file}\0${statSync(sl.path).size}\n`);
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    generator: GENERATOR,
    insertInto,
    labels: labels ?? null,
    labelsSha256: labels === undefined ? null : createHash('sha256').update(readFileSync(labels)).digest('hex'),
    inputSha256: fingerprint.digest('hex'),
    seed: o.seed,
    perSliceProb: o.perSliceProb,
    minSlices: o.minSlices,
  };
  const resuming = prepareOutput(o, manifest);
  const total = collected.series.reduce((n, s) => n + s.slices.length, 0);
  let done = 0;
  let resumedSeries = 0;
  let processed = 0; // slices done by this run (not kept from an earlier one)
  const records: InsertSeriesRecord[] = [];
  for (const [i, series] of collected.series.entries()) {
    const committed = seriesRecordPath(o.out, i);
    let record: InsertSeriesRecord;
    if (resuming && existsSync(committed)) {
      record = readJson(committed) as InsertSeriesRecord;
      resumedSeries++;
      done += series.slices.length;
      o.onProgress?.(done, total);
    } else {
      record = await insertSeries({ out: o.out, seed: o.seed, perSliceProb: o.perSliceProb }, i, series, () => {
        done++;
        processed++;
        o.onProgress?.(done, total);
      });
      writeFileAtomicSync(committed, Buffer.from(`${JSON.stringify(record)}\n`));
    }
    records.push(record);
    await yieldToEventLoop();
  }
  writeFileAtomicSync(join(o.out, 'labels.csv'), Buffer.from(formatLabels(records)));
  const failures: InputFailure[] = [...collected.failures, ...records.flatMap((r) => r.failures)];
  const skippedReasons: Record<string, number> = {};
  for (const s of collected.skipped) skippedReasons[s.reason] = (skippedReasons[s.reason] ?? 0) + 1;
  const studiesJson = { ...manifest, series: records, failures, skipped: skippedReasons };
  writeFileAtomicSync(join(o.out, 'studies.json'), Buffer.from(`${JSON.stringify(studiesJson, null, 1)}\n`));
  const bySubtype = Object.fromEntries(HEMORRHAGE_SUBTYPES.map((s) => [s, 0])) as SubtypeRecord<number>;
  let positiveSlices = 0;
  let slices = 0;
  for (const r of records) {
    for (const sl of r.slices) {
      slices++;
      if (sl.labels.any) positiveSlices++;
      for (const s of HEMORRHAGE_SUBTYPES) bySubtype[s] += sl.labels[s];
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    out: o.out,
    series: records.length,
    slices,
    positiveSeries: records.filter((r) => r.labels.any === 1).length,
    positiveSlices,
    positiveSlicesBySubtype: bySubtype,
    lesions: records.reduce((n, r) => n + r.lesions.length, 0),
    failures: failures.length,
    skipped: collected.skipped.length,
    resumedSeries,
    seconds,
    slicesPerSecond: seconds > 0 ? Math.round((processed / seconds) * 100) / 100 : 0,
  };
}
