/**
 * HU → stored pixel values for each PixelEncoding, and the HU a correct reader must recover
 * (`computeHu` with the RSNA 12-bit fix): the generator's ground truth for round-trip tests.
 */
import type { PixelEncoding } from './types.js';

/** Raw value written outside the scan circle for the signed encoding (as in the RSNA files). */
export const PADDING_INT16 = -2000;

export interface StoredPixels {
  /** Int16Array for `int16`, Uint16Array for the 12-bit encodings. */
  data: Int16Array | Uint16Array;
  /** The HU a reader gets with slope 1 and the file's intercept (after the 12-bit fix when it applies). */
  expectedHu: Float32Array;
}

/**
 * Quantises `hu` (rounded to integers) into stored values. `inside` marks pixels within the scan
 * circle; others get the padding of the encoding. `intercept` is the file's RescaleIntercept.
 */
export function encodeStoredPixels(hu: Float32Array, inside: Uint8Array, encoding: PixelEncoding, intercept: number): StoredPixels {
  const n = hu.length;
  const expectedHu = new Float32Array(n);
  if (encoding === 'int16') {
    const data = new Int16Array(n);
    for (let k = 0; k < n; k++) {
      const raw = inside[k] ? Math.max(-32768, Math.min(32767, Math.round(hu[k] as number) - intercept)) : PADDING_INT16;
      data[k] = raw;
      expectedHu[k] = raw + intercept;
    }
    return { data, expectedHu };
  }
  const data = new Uint16Array(n);
  if (encoding === 'uint12') {
    for (let k = 0; k < n; k++) {
      const raw = inside[k] ? Math.max(0, Math.min(4095, Math.round(hu[k] as number) - intercept)) : 0;
      data[k] = raw;
      expectedHu[k] = raw + intercept;
    }
    return { data, expectedHu };
  }
  // The wrapped RSNA way: the stored value is HU modulo 4096; the fix adds 1000 mod 4096 and
  // uses intercept −1000, which gives back HU for HU in [−1000, 3095].
  for (let k = 0; k < n; k++) {
    const h = inside[k] ? Math.max(-1000, Math.min(3095, Math.round(hu[k] as number))) + 0 : -1000; // + 0: no −0
    data[k] = (h + 4096) % 4096;
    expectedHu[k] = h;
  }
  return { data, expectedHu };
}
