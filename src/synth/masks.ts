/**
 * The hemorrhage mask format (docs/synth.md): one file per slice, `masks/<image id>.mask.gz`, a
 * gzip stream of a 16-byte header — ASCII `ICHMASK1`, rows (uint32 LE), columns (uint32 LE) —
 * followed by rows × columns bytes, row-major; bit k of a byte is set when the pixel holds blood of
 * HEMORRHAGE_SUBTYPES[k] (1 epidural, 2 intraparenchymal, 4 intraventricular, 8 subarachnoid,
 * 16 subdural). Empty slices compress to a few hundred bytes.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ichError } from '../core/errors.js';

const MAGIC = 'ICHMASK1';
const HEADER_BYTES = 16;

export interface SliceMask {
  rows: number;
  columns: number;
  /** rows × columns subtype bitmask bytes. */
  bits: Uint8Array;
}

export function encodeSliceMask(mask: SliceMask): Buffer {
  if (mask.bits.length !== mask.rows * mask.columns) throw ichError('ICH_E_INTERNAL', `mask has ${mask.bits.length} bytes for ${mask.rows}×${mask.columns}`);
  const raw = Buffer.alloc(HEADER_BYTES + mask.bits.length);
  raw.write(MAGIC, 0, 'latin1');
  raw.writeUInt32LE(mask.rows, 8);
  raw.writeUInt32LE(mask.columns, 12);
  raw.set(mask.bits, HEADER_BYTES);
  return gzipSync(raw, { level: 6 });
}

/** Decodes a mask file's bytes; throws ICH_E_BAD_LABELS naming `file` when malformed. */
export function decodeSliceMask(bytes: Uint8Array, file: string): SliceMask {
  let raw: Buffer;
  try {
    raw = gunzipSync(bytes);
  } catch (e) {
    throw ichError('ICH_E_BAD_LABELS', `mask is not gzip data (${e instanceof Error ? e.message : String(e)})`, { file });
  }
  if (raw.length < HEADER_BYTES || raw.toString('latin1', 0, 8) !== MAGIC) throw ichError('ICH_E_BAD_LABELS', 'mask header missing (expected ICHMASK1)', { file });
  const rows = raw.readUInt32LE(8);
  const columns = raw.readUInt32LE(12);
  if (raw.length !== HEADER_BYTES + rows * columns) throw ichError('ICH_E_BAD_LABELS', `mask holds ${raw.length - HEADER_BYTES} bytes, header says ${rows}×${columns}`, { file });
  return { rows, columns, bits: new Uint8Array(raw.buffer, raw.byteOffset + HEADER_BYTES, rows * columns) };
}

/** Pixel counts per bit position 0..4 (HEMORRHAGE_SUBTYPES order). */
export function countMaskBits(bits: Uint8Array): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (let k = 0; k < bits.length; k++) {
    const b = bits[k] as number;
    if (b === 0) continue;
    for (let s = 0; s < 5; s++) if (b & (1 << s)) counts[s] = (counts[s] as number) + 1;
  }
  return counts;
}
