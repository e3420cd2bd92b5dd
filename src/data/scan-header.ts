/**
 * Reads one file's DICOM header into the flat record the index stores. Pixel data comes last in a
 * DICOM file, so only the first `prefixBytes` (64 KiB) are read; when the header does not fit in
 * that prefix (the parse fails) the whole file is read and parsed again, so the result never
 * depends on the prefix size. Runs in the scan workers and, with `workers: 0`, on the main thread.
 */
import { basename, extname } from 'node:path';
import { toIchError, type IchErrorCode } from '../core/errors.js';
import { isImageId } from '../core/ids.js';
import type { CtMeta } from '../dicom/types.js';
import { readDicomHeader, slicePosition } from '../dicom/index.js';
import { readFileStart } from './read-file-start.js';

export const HEADER_PREFIX_BYTES = 64 * 1024;

/** What the index keeps of a readable file (all plain values: it crosses thread boundaries). */
export interface ImageRecord {
  imageId: string;
  sopUid: string;
  seriesUid: string | null;
  studyUid: string | null;
  patientId: string | null;
  modality: string | null;
  instanceNumber: number | null;
  /** ImagePositionPatient[2], mm. */
  z: number | null;
  /** Position along the slice normal (IPP · (row × col direction)), mm; = z for axial; used for ordering. */
  slicePos: number | null;
  rows: number;
  columns: number;
  frames: number;
  sliceThickness: number | null;
  spacingRow: number | null;
  spacingCol: number | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  bitsStored: number;
  pixelRepresentation: number;
  rsna12BitFix: boolean;
  transferSyntax: string;
}

/** A scanned file: its record, or the coded error that made it unreadable. */
export type ScanResult =
  | { path: string; ok: true; record: ImageRecord }
  | { path: string; ok: false; code: IchErrorCode; message: string };

/**
 * The image id of a file: its stem when it looks like a Kaggle id (`ID_<hex>`, the RSNA download's
 * naming), otherwise the SOPInstanceUID.
 */
export function imageIdForFile(file: string, sopInstanceUid: string): string {
  const stem = basename(file, extname(file));
  return isImageId(stem) ? stem : sopInstanceUid;
}

export function metaToRecord(meta: CtMeta, file: string): ImageRecord {
  return {
    imageId: imageIdForFile(file, meta.sopInstanceUid),
    sopUid: meta.sopInstanceUid,
    seriesUid: meta.seriesInstanceUid ?? null,
    studyUid: meta.studyInstanceUid ?? null,
    patientId: meta.patientId ?? null,
    modality: meta.modality ?? null,
    instanceNumber: meta.instanceNumber ?? null,
    z: meta.imagePositionPatient?.[2] ?? null,
    slicePos: slicePosition(meta) ?? null,
    rows: meta.rows,
    columns: meta.columns,
    frames: meta.frames,
    sliceThickness: meta.sliceThickness ?? null,
    spacingRow: meta.pixelSpacing?.[0] ?? null,
    spacingCol: meta.pixelSpacing?.[1] ?? null,
    rescaleSlope: meta.rescaleSlope,
    rescaleIntercept: meta.rescaleIntercept,
    bitsStored: meta.bitsStored,
    pixelRepresentation: meta.pixelRepresentation,
    rsna12BitFix: meta.needsRsna12BitFix,
    transferSyntax: meta.transferSyntaxUid,
  };
}

/**
 * The prefix read only pays when the header parser stops at Pixel Data; when it needs the whole
 * file (every prefix attempt of the first PREFIX_PROBE files failed), this thread stops trying.
 */
const PREFIX_PROBE = 16;
const prefixState = { enabled: true, hits: 0, misses: 0 };

function notePrefixMiss(): void {
  prefixState.misses++;
  if (prefixState.hits === 0 && prefixState.misses >= PREFIX_PROBE) prefixState.enabled = false;
}

/**
 * Scans one file. `absPath` is read; `relPath` is what the record and errors name.
 * Never throws: unreadable files come back as `{ok: false, code, message}`.
 */
export function scanHeaderFile(absPath: string, relPath: string, prefixBytes = HEADER_PREFIX_BYTES): ScanResult {
  try {
    let meta: CtMeta | undefined;
    if (prefixState.enabled) {
      const prefix = readFileStart(absPath, prefixBytes);
      try {
        meta = readDicomHeader(prefix.data, relPath);
        prefixState.hits++;
      } catch (e) {
        if (prefix.whole) throw e;
        notePrefixMiss();
      }
    }
    meta ??= readDicomHeader(readFileStart(absPath, Infinity).data, relPath);
    return { path: relPath, ok: true, record: metaToRecord(meta, relPath) };
  } catch (e) {
    const err = toIchError(e, 'ICH_E_FILE_READ', relPath);
    return { path: relPath, ok: false, code: err.code, message: err.message };
  }
}
