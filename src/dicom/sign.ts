/**
 * Sign handling shared by the compressed paths: two's-complement extension of N-bit samples, and
 * the signedness/precision a JPEG 2000 codestream declares in its SIZ marker.
 */
import type { RawArray } from './native.js';

/** Sign-extends every value from `bits` bits (bit bits-1 is the sign) in place. */
export function signExtendInPlace(data: RawArray, bits: number): void {
  const mask = 2 ** bits - 1;
  const sign = 2 ** (bits - 1);
  const wrap = 2 ** bits;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]! & mask;
    data[i] = v >= sign ? v - wrap : v;
  }
}

/**
 * Reads component 0's Ssiz from the SIZ marker (FF51) of a J2K/HTJ2K codestream, raw or inside a
 * JP2 box: bit 7 = signed, low 7 bits + 1 = precision. Undefined when no SIZ is found in the first 4 KB.
 */
export function readJ2kSign(b: Uint8Array): { signed: boolean; precision: number } | undefined {
  const limit = Math.min(b.length - 1, 4096);
  for (let i = 0; i < limit; i++) {
    if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) {
      // FF51, Lsiz(2), Rsiz(2), 8 × 4-byte sizes, Csiz(2), then Ssiz of component 0.
      const ssiz = b[i + 2 + 2 + 2 + 2 + 32 + 2];
      if (ssiz === undefined) return undefined;
      return { signed: (ssiz & 0x80) !== 0, precision: (ssiz & 0x7f) + 1 };
    }
  }
  return undefined;
}
