/**
 * `ichscan inspect` as a library: one record per file with the keys the issue fixes, HU stats over
 * all frames before any correction, or a coded error. Never throws for a bad file.
 */
import { isIchError, toIchError, type IchErrorCode } from '../core/errors.js';
import { decodeDicom, readFileBytes } from './decode.js';
import { computeHuStats, hashRawPixels, type PixelStats } from './stats.js';

export interface InspectRecord {
  file: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  rows: number;
  columns: number;
  frames: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Whether the RSNA 12-bit fix would apply (it is not applied to `hu`). */
  rsna12BitFix: boolean;
  hu: PixelStats;
  /** SHA-256 of the raw array bytes; only when asked for. */
  rawSha256?: string;
}

export interface InspectFailure {
  file: string;
  error: { code: IchErrorCode; message: string };
}

export type InspectResult = InspectRecord | InspectFailure;

export function isInspectFailure(r: InspectResult): r is InspectFailure {
  return 'error' in r;
}

export interface InspectOptions {
  /** Add `rawSha256` to each record. */
  sha256?: boolean;
}

/** Decodes `bytes` and summarises them; a failure becomes an InspectFailure with the error's code. */
export async function inspectBytes(bytes: Uint8Array, file: string, opts: InspectOptions = {}): Promise<InspectResult> {
  try {
    const { meta, raw } = await decodeDicom(bytes, file);
    const record: InspectRecord = {
      file,
      sopInstanceUid: meta.sopInstanceUid,
      transferSyntaxUid: meta.transferSyntaxUid,
      rows: meta.rows,
      columns: meta.columns,
      frames: meta.frames,
      bitsStored: meta.bitsStored,
      pixelRepresentation: meta.pixelRepresentation,
      rescaleSlope: meta.rescaleSlope,
      rescaleIntercept: meta.rescaleIntercept,
      rsna12BitFix: meta.needsRsna12BitFix,
      hu: computeHuStats(raw, meta),
    };
    if (opts.sha256) record.rawSha256 = hashRawPixels(raw);
    return record;
  } catch (e) {
    return failureOf(e, file);
  }
}

function failureOf(e: unknown, file: string): InspectFailure {
  const err = isIchError(e) ? e : toIchError(e, 'ICH_E_INTERNAL', file);
  return { file, error: { code: err.code, message: err.message } };
}

/** Reads a file and inspects it; unreadable files become failures too. */
export async function inspectFile(path: string, opts: InspectOptions = {}): Promise<InspectResult> {
  let bytes: Buffer;
  try {
    bytes = await readFileBytes(path);
  } catch (e) {
    return failureOf(e, path);
  }
  return inspectBytes(bytes, path, opts);
}
