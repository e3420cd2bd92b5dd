/**
 * Statistics of decoded pixels as the reference (pydicom 2.3.1 + numpy 1.24) defines them:
 * `hu = raw * slope + intercept` in float64 over all frames, before any correction; mean and
 * population std (numpy's default ddof = 0, two-pass); SHA-256 of the raw array's bytes as numpy
 * would hash them (little-endian, dtype from BitsAllocated/PixelRepresentation, frames × rows × cols).
 */
import { createHash } from 'node:crypto';
import { frameRescale } from './hu.js';
import type { CtMeta, RawPixels } from './types.js';

export interface PixelStats {
  min: number;
  max: number;
  mean: number;
  std: number;
}

/** HU statistics over all frames with pydicom's plain definition (no 12-bit fix, no padding step). */
export function computeHuStats(raw: RawPixels, meta: CtMeta): PixelStats {
  const frameLen = raw.rows * raw.columns;
  const n = frameLen * raw.frames;
  const src = raw.data;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let f = 0; f < raw.frames; f++) {
    const { slope, intercept } = frameRescale(meta, f);
    for (let i = f * frameLen, end = i + frameLen; i < end; i++) {
      const h = src[i]! * slope + intercept;
      if (h < min) min = h;
      if (h > max) max = h;
      sum += h;
    }
  }
  const mean = sum / n;
  let sq = 0;
  for (let f = 0; f < raw.frames; f++) {
    const { slope, intercept } = frameRescale(meta, f);
    for (let i = f * frameLen, end = i + frameLen; i < end; i++) {
      const d = src[i]! * slope + intercept - mean;
      sq += d * d;
    }
  }
  return { min, max, mean, std: Math.sqrt(sq / n) };
}

/** Hex SHA-256 of the raw stored values' bytes (little-endian, as numpy's `arr.tobytes()` on x86). */
export function hashRawPixels(raw: RawPixels): string {
  const d = raw.data;
  const count = raw.rows * raw.columns * raw.frames;
  return createHash('sha256')
    .update(new Uint8Array(d.buffer, d.byteOffset, count * d.BYTES_PER_ELEMENT))
    .digest('hex');
}
