/**
 * The output folder of a resumable synth job (`generateSynthDataset`, and `insertLesionsIntoFolder`
 * for `--insert-into`), in `synth`'s layout:
 *   out/images/, out/masks/, out/labels.csv, out/studies.json,
 *   out/.synth/manifest.json (the job's options), out/.synth/<unit>-<index>.json (one commit record
 *   per finished unit: a study, or a source series).
 * A non-empty folder is refused unless `force` (only the paths in OWNED_PATHS are removed) or
 * `resume` (same manifest required; temporaries of the interrupted run removed; committed units
 * are read back instead of being redone).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { TMP_PREFIX, writeFileAtomicSync } from '../core/atomic-write.js';
import { ichError } from '../core/errors.js';
import { HEMORRHAGE_SUBTYPES } from '../core/subtypes.js';
import type { SliceRecord } from './records.js';
import type { SubtypeRecord } from './types.js';

export const STATE_DIR = '.synth';
/** Paths a synth job owns inside `out` (the only ones `force` removes). */
const OWNED_PATHS = ['images', 'masks', STATE_DIR, 'labels.csv', 'studies.json'];
/** Folders that receive files (and so may hold temporaries of an interrupted run). */
const WRITTEN_DIRS = ['images', 'masks', STATE_DIR];

export interface JobFolderOptions {
  out: string;
  force?: boolean;
  resume?: boolean;
}

/** How the refusals name the job: `folderKind` "a synth" → "not a synth output folder …". */
export interface JobFolderWording {
  folderKind: string;
  /** What a resume must repeat: "options", "input and options". */
  sameWhat: string;
}

/** Reads a JSON file the job wrote (ICH_E_FILE_READ when it cannot be read or parsed). */
export function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw ichError('ICH_E_FILE_READ', e instanceof Error ? e.message : String(e), { file });
  }
}

/**
 * Decides what to do with an existing output folder (see the module comment) and writes the
 * manifest of a fresh run; returns true when resuming.
 */
export function prepareJobFolder(o: JobFolderOptions, manifest: object, wording: JobFolderWording): boolean {
  const entries = existsSync(o.out) ? readdirSync(o.out) : [];
  const manifestFile = join(o.out, STATE_DIR, 'manifest.json');
  if (entries.length > 0) {
    if (o.resume) {
      if (!existsSync(manifestFile)) throw ichError('ICH_E_OUTPUT_EXISTS', `not ${wording.folderKind} output folder (no .synth/manifest.json) — refusing to resume into it`, { file: o.out });
      const old = JSON.stringify(readJson(manifestFile));
      if (old !== JSON.stringify(manifest)) throw ichError('ICH_E_USAGE', `resume needs the same ${wording.sameWhat} as the interrupted run: ${old}`, { file: o.out });
      for (const sub of WRITTEN_DIRS) {
        const dir = join(o.out, sub);
        if (existsSync(dir)) for (const name of readdirSync(dir)) if (name.startsWith(TMP_PREFIX)) rmSync(join(dir, name), { force: true });
      }
      return true;
    }
    if (!o.force) throw ichError('ICH_E_OUTPUT_EXISTS', 'output folder is not empty (use --force to replace synth outputs, --resume to complete them)', { file: o.out });
    for (const p of OWNED_PATHS) rmSync(join(o.out, p), { recursive: true, force: true });
  }
  for (const sub of WRITTEN_DIRS) mkdirSync(join(o.out, sub), { recursive: true });
  writeFileAtomicSync(manifestFile, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return false;
}

/** `out/.synth/<unit>-<index, 7 digits>.json`: the commit record of one finished unit. */
export function commitRecordPath(out: string, unit: 'study' | 'series', index: number): string {
  return join(out, STATE_DIR, `${unit}-${String(index).padStart(7, '0')}.json`);
}

/** Writes a unit's commit record (one line of JSON); the unit counts as done from then on. */
export function writeCommitRecord(out: string, unit: 'study' | 'series', index: number, record: unknown): void {
  writeFileAtomicSync(commitRecordPath(out, unit, index), Buffer.from(`${JSON.stringify(record)}\n`));
}

export interface CommittedUnits<R> {
  /** Unit count; units are done in index order. */
  count: number;
  unit: 'study' | 'series';
  out: string;
  resuming: boolean;
  /** Called for a unit kept from the earlier run, with its record read back. */
  onKept: (index: number, record: R) => void;
  /** Produces unit `index` and returns its record, already committed (`writeCommitRecord`). */
  produce: (index: number) => R | Promise<R>;
}

/** Runs every unit in order, keeping committed ones when resuming; returns the records and how many were kept. */
export async function runCommittedUnits<R>(u: CommittedUnits<R>): Promise<{ records: R[]; kept: number }> {
  const records: R[] = [];
  let kept = 0;
  for (let i = 0; i < u.count; i++) {
    const committed = commitRecordPath(u.out, u.unit, i);
    let record: R;
    if (u.resuming && existsSync(committed)) {
      record = readJson(committed) as R;
      kept++;
      u.onKept(i, record);
    } else {
      record = await u.produce(i);
    }
    records.push(record);
    await yieldToEventLoop();
  }
  return { records, kept };
}

/** Slices with any blood, and per subtype, over all records' slices. */
export function countPositiveSlices(records: readonly { slices: readonly SliceRecord[] }[]): { slices: number; positiveSlices: number; bySubtype: SubtypeRecord<number> } {
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
  return { slices, positiveSlices, bySubtype };
}
