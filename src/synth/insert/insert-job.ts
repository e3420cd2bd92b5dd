/**
 * `ichscan synth --insert-into DIR`: lesions inserted into every series of a folder of real CT,
 * written in `synth`'s layout so the training code reads it unchanged —
 *   out/images/<image id>.dcm, out/masks/<image id>.mask.gz, out/labels.csv, out/studies.json,
 *   out/.synth/manifest.json (the options and a fingerprint of the input), out/.synth/series-<i>.json.
 * Deterministic: the same input, seed and options give a byte-identical folder. Resumable: each
 * file is written atomically, a series counts as done once its commit record exists, and
 * `resume` skips those and redoes the rest identically (folder rules and commit loop: ../job-folder.ts,
 * shared with `synth`). Source files are only read.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../../core/atomic-write.js';
import { ichError } from '../../core/errors.js';
import { countPositiveSlices, prepareJobFolder, runCommittedUnits, writeCommitRecord } from '../job-folder.js';
import { formatLabelsCsv } from '../records.js';
import type { SubtypeRecord } from '../types.js';
import { insertSeries, type InsertSeriesRecord } from './insert-series.js';
import { collectSourceSeries, readNegativeIds, type InputFailure, type SourceSeries } from './source-series.js';

const MANIFEST_VERSION = 1;
const GENERATOR = 'ichscan synth --insert-into';

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
  const resuming = prepareJobFolder(o, manifest, { folderKind: 'an insertion', sameWhat: 'input and options' });
  const total = collected.series.reduce((n, s) => n + s.slices.length, 0);
  let done = 0;
  let processed = 0; // slices done by this run (not kept from an earlier one)
  const { records, kept: resumedSeries } = await runCommittedUnits<InsertSeriesRecord>({
    count: collected.series.length,
    unit: 'series',
    out: o.out,
    resuming,
    onKept: (i) => {
      done += (collected.series[i] as SourceSeries).slices.length;
      o.onProgress?.(done, total);
    },
    produce: async (i) => {
      const record = await insertSeries({ out: o.out, seed: o.seed, perSliceProb: o.perSliceProb }, i, collected.series[i] as SourceSeries, () => {
        done++;
        processed++;
        o.onProgress?.(done, total);
      });
      writeCommitRecord(o.out, 'series', i, record);
      return record;
    },
  });
  writeFileAtomicSync(join(o.out, 'labels.csv'), Buffer.from(formatLabelsCsv(records)));
  const failures: InputFailure[] = [...collected.failures, ...records.flatMap((r) => r.failures)];
  const skippedReasons: Record<string, number> = {};
  for (const s of collected.skipped) skippedReasons[s.reason] = (skippedReasons[s.reason] ?? 0) + 1;
  const studiesJson = { ...manifest, series: records, failures, skipped: skippedReasons };
  writeFileAtomicSync(join(o.out, 'studies.json'), Buffer.from(`${JSON.stringify(studiesJson, null, 1)}\n`));
  const { slices, positiveSlices, bySubtype } = countPositiveSlices(records);
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
