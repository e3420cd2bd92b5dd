/**
 * Input collection for prediction: files and folders → DICOM headers → series (by
 * SeriesInstanceUID) ordered by position along the slice normal (ImagePositionPatient projected
 * on the normal of ImageOrientationPatient; z when orientation is absent; InstanceNumber last).
 * Files that are not readable DICOM CT (including other modalities) are recorded as failures with their IchError code and
 * skipped, so a folder with junk in it still gets a verdict.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ichError, toIchError, type IchErrorCode } from '../core/errors.js';
import { readDicomHeader, slicePosition, type CtMeta } from '../dicom/index.js';
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

function compareSlices(a: SliceRef, b: SliceRef): number {
  if (a.z !== undefined && b.z !== undefined && a.z !== b.z) return a.z - b.z;
  const ia = a.meta.instanceNumber ?? 0;
  const ib = b.meta.instanceNumber ?? 0;
  if (ia !== ib) return ia - ib;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.frame - b.frame;
}

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
      const seriesUid = meta.seriesInstanceUid ?? `unknown-series:${meta.studyInstanceUid ?? 'unknown-study'}`;
      let g = groups.get(seriesUid);
      if (!g) {
        g = { studyInstanceUid: meta.studyInstanceUid ?? 'unknown-study', seriesInstanceUid: seriesUid, slices: [] };
        groups.set(seriesUid, g);
      }
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
  series.sort((a, b) => (a.studyInstanceUid === b.studyInstanceUid ? (a.seriesInstanceUid < b.seriesInstanceUid ? -1 : 1) : a.studyInstanceUid < b.studyInstanceUid ? -1 : 1));
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
