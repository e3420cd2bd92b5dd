/**
 * Guards against header values that would make ichscan allocate absurd amounts of memory or loop
 * forever: every size is checked here before anything is allocated from it.
 */
import { ichError } from '../core/errors.js';
import type { CtMeta } from './types.js';

/** Largest rows or columns accepted (the US VR maximum). */
export const MAX_DIMENSION = 65535;
/** Largest frame count accepted. */
export const MAX_FRAMES = 65536;
/** Largest decoded pixel array accepted, bytes (1 GiB): far above any CT volume in one file. */
export const MAX_DECODED_BYTES = 1 << 30;

export type PixelGeometry = Pick<CtMeta, 'rows' | 'columns' | 'frames' | 'samplesPerPixel' | 'bitsAllocated' | 'bitsStored'>;

/** Throws ICH_E_BAD_DIMENSIONS unless the geometry is sane; returns the decoded size in bytes. */
export function checkDimensions(g: PixelGeometry, file: string): number {
  const bad = (why: string): never => {
    throw ichError('ICH_E_BAD_DIMENSIONS', why, { file });
  };
  if (!Number.isInteger(g.rows) || g.rows < 1 || g.rows > MAX_DIMENSION) bad(`Rows = ${g.rows}`);
  if (!Number.isInteger(g.columns) || g.columns < 1 || g.columns > MAX_DIMENSION) bad(`Columns = ${g.columns}`);
  if (!Number.isInteger(g.frames) || g.frames < 1 || g.frames > MAX_FRAMES) bad(`NumberOfFrames = ${g.frames}`);
  if (!Number.isInteger(g.samplesPerPixel) || g.samplesPerPixel < 1 || g.samplesPerPixel > 4) bad(`SamplesPerPixel = ${g.samplesPerPixel}`);
  if (g.bitsAllocated !== 1 && (g.bitsAllocated < 8 || g.bitsAllocated > 64 || g.bitsAllocated % 8 !== 0)) {
    bad(`BitsAllocated = ${g.bitsAllocated}`);
  }
  if (g.bitsStored < 1 || g.bitsStored > g.bitsAllocated) bad(`BitsStored = ${g.bitsStored} with BitsAllocated = ${g.bitsAllocated}`);
  const bytes = (g.rows * g.columns * g.frames * g.samplesPerPixel * g.bitsAllocated) / 8;
  if (bytes > MAX_DECODED_BYTES) bad(`${g.rows}×${g.columns}×${g.frames} frames would need ${bytes} bytes (limit ${MAX_DECODED_BYTES})`);
  return bytes;
}
