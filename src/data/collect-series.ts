/**
 * Input collection for prediction: files and folders → DICOM headers → series (by
 * SeriesInstanceUID) ordered by position along the slice normal (ImagePositionPatient projected
 * on the normal of ImageOrientationPatient; z when orientation is absent; InstanceNumber last —
 * src/dicom/series-order.ts, shared with `synth --insert-into`).
 * Files that are not readable DICOM CT (including other modalities) are recorded as failures with their IchError code and
 * skipped, so a folder with junk in it still gets a verdict.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ichError, toIchError, type IchErrorCode } from '../core/errors.js';
import { compareSeries, compareSlicesBy, readDicomHeader, seriesGroupOf, slicePosition, type CtMeta } from '../dicom/index.js';
import { walkFiles } from '../core/walk-files.js';

export interface FileFailure {
  file: string;
  code: IchErrorCode;
  message: string;
}

export interface SliceRef {
  file: string;
  /** Frame within the file (multi-frame CT: one slice per frame). */
  frame: number;
  meta: CtMeta;
  /** Position along the slice normal, mm (undefined without ImagePositionPatient). */
  z: number | undefined;
}

export interface SeriesGroup {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** Ordered by z (then InstanceNumber, then file name). */
  slices: SliceRef[];
}

/** Expands files and folders (recursively) into a sorted list of file paths. */
export function collectInputFiles(inputs: readonly string[], cwd: string): { files: string[]; failures: FileFailure[] } {
  const files: string[] = [];
  const failures: FileFailure[] = [];
  for (const p of inputs) {
    const abs = resolve(cwd, p);
    try {
      if (statSync(abs).isDirectory()) for (const e of walkFiles(abs)) files.push(join(abs, e.path));
      else files.push(abs);
    } catch (e) {
      const err = toIchError(e, 'ICH_E_FILE_NOT_FOUND', abs);
      failures.push({ file: abs, code: err.code, message: err.message });
    }
  }
  return { files: [...new Set(files)].sort(), failures };
}

/** Slices by z (position along the normal), then InstanceNumber, file name, frame. */
const compareSlices = compareSlicesBy<SliceRef>((s) => s.z);

/** Reads headers and groups the files into ordered series. `onFile` ticks progress. */
export function groupIntoSeries(files: readonly string[], onFile?: () => void): { series: SeriesGroup[]; failures: FileFailure[] } {
  const failures: FileFailure[] = [];
  const groups = new Map<string, SeriesGroup>();
  for (const file of files) {
    try {
      const meta = readDicomHeader(readFileSync(file), file);
      // The model reads Hounsfield units: MR, PET, X-ray and the like are reported, not scored.
      if (meta.modality !== undefined && meta.modality.trim() !== '' && meta.modality.trim().toUpperCase() !== 'CT') {
        throw ichError('ICH_E_UNSUPPORTED_IMAGE', `modality ${meta.modality.trim()} is not CT`, { file });
      }
      const g = seriesGroupOf(groups, meta, (uids): SeriesGroup => ({ ...uids, slices: [] }));
      const z0 = slicePosition(meta);
      for (let f = 0; f < meta.frames; f++) {
        // Multi-frame without per-frame positions: frames in file order, spaced by the thickness.
        const z = z0 === undefined ? undefined : z0 + f * (meta.sliceThickness ?? 0);
        g.slices.push({ file, frame: f, meta, z });
      }
    } catch (e) {
      const err = toIchError(e, 'ICH_E_FILE_READ', file);
      failures.push({ file, code: err.code, message: err.message });
    }
    onFile?.();
  }
  const series = [...groups.values()];
  for (const s of series) s.slices.sort(compareSlices);
  series.sort(compareSeries);
  return { series, failures };
}

/**
 * Kaggle image id of a slice: the file name without `.dcm` when it looks like `ID_<hex>` (RSNA
 * and ichscan synth name files that way), else the SOPInstanceUID (RSNA stores `ID_…` there too).
 */
export function imageIdOf(slice: { file: string; sopInstanceUid: string }): string {
  const b = basename(slice.file).replace(/\.dcm$/i, '');
  return /^ID_[0-9a-fA-F]+$/.test(b) ? b : slice.sopInstanceUid;
}
