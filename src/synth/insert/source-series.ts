/**
 * The real CT lesions are inserted into: a folder walked recursively → headers → series (by
 * SeriesInstanceUID) ordered along the slice normal (`slicePosition`, then InstanceNumber, then
 * file name — the order `predict` uses: src/dicom/series-order.ts). Optionally only known-negative
 * slices: image ids whose Kaggle `any` label is 0 (the id is the file name without `.dcm`, or the
 * SOP Instance UID).
 */
import { createReadStream, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ichError, toIchError, type IchErrorCode } from '../../core/errors.js';
import { walkFiles } from '../../core/walk-files.js';
import { compareSeries, compareSlicesBy, readDicomHeader, seriesGroupOf, slicePosition, type CtMeta } from '../../dicom/index.js';

export interface InputFailure {
  /** Path relative to the input folder. */
  file: string;
  code: IchErrorCode;
  message: string;
}

export interface SourceSlice {
  /** Absolute path, and relative to the input folder ("/"-separated). */
  path: string;
  file: string;
  meta: CtMeta;
  /** Position along the slice normal, mm. */
  s: number;
}

export interface SourceSeries {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patientId: string | undefined;
  /** Ascending `s`. */
  slices: SourceSlice[];
}

/** Most slices of one series (image ids reserve 8 bits for the slice, as `synth`'s do). */
export const MAX_SERIES_SLICES = 256;

/** Image ids whose Kaggle `any` label is 0, from an `ID,Label` CSV (`ID_<img>_any,0`). Streams: stage_2_train.csv is 4.5 M rows. */
export async function readNegativeIds(csvFile: string): Promise<Set<string>> {
  const negatives = new Set<string>();
  let header = true;
  try {
    const lines = createInterface({ input: createReadStream(csvFile), crlfDelay: Infinity });
    for await (const line of lines) {
      if (header) {
        header = false;
        if (!/^ID,Label\s*$/.test(line)) throw ichError('ICH_E_BAD_LABELS', `expected the header "ID,Label", got "${line.slice(0, 40)}"`, { file: csvFile });
        continue;
      }
      const m = /^(.+)_any,([01])\s*$/.exec(line);
      if (m && m[2] === '0') negatives.add(m[1] as string);
    }
  } catch (e) {
    throw toIchError(e, 'ICH_E_FILE_READ', csvFile);
  }
  return negatives;
}

/** Slices by `s`, then InstanceNumber, then file name (all single-frame). */
const compareSlices = compareSlicesBy<SourceSlice>((sl) => sl.s);

/** Why a header cannot take a lesion (a coded error), or undefined when it can. */
function checkInsertable(meta: CtMeta): ReturnType<typeof ichError> | undefined {
  const m = meta.modality?.trim().toUpperCase();
  if (m !== undefined && m !== '' && m !== 'CT') return ichError('ICH_E_UNSUPPORTED_IMAGE', `modality ${m} is not CT`, { file: meta.file });
  if (meta.frames !== 1) return ichError('ICH_E_UNSUPPORTED_IMAGE', `${meta.frames} frames: only single-frame slices take lesions`, { file: meta.file });
  if (meta.samplesPerPixel !== 1 || meta.bitsAllocated !== 16 || !meta.photometricInterpretation.startsWith('MONOCHROME2')) {
    return ichError('ICH_E_UNSUPPORTED_IMAGE', `needs 16-bit MONOCHROME2 grey pixels (has ${meta.samplesPerPixel} × ${meta.bitsAllocated}-bit ${meta.photometricInterpretation})`, { file: meta.file });
  }
  if (slicePosition(meta) === undefined) return ichError('ICH_E_BAD_TAG', 'ImagePositionPatient is missing: the slice cannot be placed in 3-D', { file: meta.file });
  if (!meta.pixelSpacing) return ichError('ICH_E_BAD_TAG', 'PixelSpacing is missing', { file: meta.file });
  return undefined;
}

export interface CollectOptions {
  /** Keep only these image ids (file name without extension, or SOP Instance UID). */
  negatives?: ReadonlySet<string>;
  /** Series with fewer usable slices are skipped (not failures). */
  minSlices: number;
}

export interface Collected {
  series: SourceSeries[];
  failures: InputFailure[];
  /** Files left out on purpose: not a known negative, or in a series that is too short. */
  skipped: { file: string; reason: string }[];
}

/** Walks `dir` and groups its DICOM files into ordered series; bad files become coded failures. */
export function collectSourceSeries(dir: string, o: CollectOptions): Collected {
  const failures: InputFailure[] = [];
  const skipped: Collected['skipped'] = [];
  const groups = new Map<string, SourceSeries>();
  for (const entry of walkFiles(dir)) {
    const path = join(dir, entry.path);
    try {
      const meta = readDicomHeader(readFileSync(path), entry.path);
      const id = basename(entry.path).replace(/\.dcm$/i, '');
      if (o.negatives && !o.negatives.has(id) && !o.negatives.has(meta.sopInstanceUid)) {
        skipped.push({ file: entry.path, reason: 'not a labelled negative (any ≠ 0 or no label)' });
        continue;
      }
      const bad = checkInsertable(meta);
      if (bad) throw bad;
      const g = seriesGroupOf(groups, meta, (uids): SourceSeries => ({ ...uids, patientId: meta.patientId, slices: [] }));
      g.slices.push({ path, file: entry.path, meta, s: slicePosition(meta) as number });
    } catch (e) {
      const err = toIchError(e, 'ICH_E_FILE_READ', entry.path);
      failures.push({ file: entry.path, code: err.code, message: err.message });
    }
  }
  const series: SourceSeries[] = [];
  const byUid = [...groups.values()].sort(compareSeries);
  for (const g of byUid) {
    g.slices.sort(compareSlices);
    if (g.slices.length < o.minSlices) {
      for (const sl of g.slices) skipped.push({ file: sl.file, reason: `series of ${g.slices.length} slice(s), fewer than ${o.minSlices}` });
      continue;
    }
    if (g.slices.length > MAX_SERIES_SLICES) {
      for (const sl of g.slices) failures.push({ file: sl.file, code: 'ICH_E_UNSUPPORTED_IMAGE', message: `series ${g.seriesInstanceUid} has ${g.slices.length} slices, more than ${MAX_SERIES_SLICES}` });
      continue;
    }
    series.push(g);
  }
  return { series, failures, skipped };
}
