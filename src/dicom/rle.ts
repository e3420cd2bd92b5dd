/**
 * DICOM RLE Lossless (PS3.5 Annex G) frame decoder: a 64-byte header (segment count, 15 offsets),
 * then one PackBits segment per byte plane, most significant byte first.
 */
import { ichError } from '../core/errors.js';

/**
 * Decodes one greyscale RLE frame into `out` (little-endian samples of `bytesPerSample` bytes,
 * `pixels` samples long; bytes the frame does not cover stay as they are). Throws ICH_E_DECODE on a
 * malformed header or segment.
 */
export function decodeRleFrame(frame: Uint8Array, out: Uint8Array, pixels: number, bytesPerSample: number, file: string): void {
  if (frame.length < 64) throw ichError('ICH_E_DECODE', 'RLE frame shorter than its 64-byte header', { file });
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerSample) {
    throw ichError('ICH_E_DECODE', `RLE frame has ${segments} segments, ${bytesPerSample} expected for one sample`, { file });
  }
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || end < start) throw ichError('ICH_E_DECODE', `RLE segment ${s} offsets out of range`, { file });
    // Segment s holds byte (bytesPerSample - 1 - s) of each little-endian sample.
    unpackBits(frame, start, end, out, bytesPerSample - 1 - s, bytesPerSample, pixels);
  }
}

/** PackBits: n ≥ 0 copies n+1 literal bytes, −127 ≤ n ≤ −1 repeats the next byte 1−n times, −128 is a no-op. */
function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array, first: number, stride: number, pixels: number): void {
  let p = start;
  let o = first;
  const limit = first + pixels * stride;
  while (p < end && o < limit) {
    const n = src[p++]!;
    if (n < 128) {
      const stop = Math.min(p + n + 1, end);
      while (p < stop && o < limit) {
        out[o] = src[p++]!;
        o += stride;
      }
    } else if (n > 128) {
      if (p >= end) break;
      const value = src[p++]!;
      for (let k = 257 - n; k > 0 && o < limit; k--) {
        out[o] = value;
        o += stride;
      }
    }
  }
}
