/**
 * Lookup tables from a raw stored value straight to its windowed channel values, so the per-pixel
 * work of the fused path is a table read (measured-facts: 1.59 → 0.55 ms per slice).
 *
 * A table covers every value of the raw array's 8- or 16-bit type, indexed by the value's bit
 * pattern (signed arrays are read through an unsigned view of the same bytes). Three encodings:
 * - 'q8': Uint16, interleaved `table[u * C + ch]` = round(255 · 256 · v): grey levels with 8
 *   fractional bits, so a box sum of them rounds once at the end (uint8 without double rounding);
 * - 'f32': Float32, interleaved, v itself (float32 output);
 * - 'p3': Float64, one entry per value packing up to 3 channels as q7 = round(255 · 128 · v) at
 *   bit offsets 0, 17 and 34. Four entries add exactly (each field stays < 2^17, the total < 2^53),
 *   so the 2×2 box of 3 windows costs 4 reads instead of 12 (the hot 512² → 256² path).
 * Tables are cached by (raw type, HU mapping, windows, sigmoid, encoding); a small LRU bounds memory
 * (a 16-bit q8 table for 3 windows is 384 KiB).
 */
import type { WindowPreset } from '../core/windows.js';
import { createWindowFunction } from './window.js';
import { createHuMapper, huMapKey, type HuMapParams } from './hu-map.js';

export type LutEncoding = 'q8' | 'f32' | 'p3';
/** Raw array kinds a table can serve. */
export type LutRawKind = 'u16' | 's16' | 'u8' | 's8';

export type LookupTable<E extends LutEncoding> = E extends 'q8' ? Uint16Array : E extends 'p3' ? Float64Array : Float32Array;

/** Fixed-point scale of 'q8' entries: 255 grey levels × 256. */
export const Q8_SCALE = 255 * 256;
/** Fixed-point scale of 'p3' fields: 255 grey levels × 128. */
export const Q7_SCALE = 255 * 128;
/** Multipliers of the three 'p3' fields: 2^0, 2^17, 2^34. */
export const P3_FIELD = [1, 2 ** 17, 2 ** 34] as const;

const MAX_CACHED = 16;
const cache = new Map<string, Uint16Array | Float32Array | Float64Array>();

function windowsKey(windows: readonly WindowPreset[], sigmoid: boolean): string {
  return `${sigmoid ? 's' : 'l'}:${windows.map((w) => `${w.level}/${w.width}`).join(',')}`;
}

/**
 * Build (or fetch from the cache) the table for one raw kind, HU mapping and window stack.
 * A mapping with HU jitter is a one-off (augmentation draws new values per sample): its table is
 * filled only over the range of `raw` (the values it will be read at; ~4k of 64k entries for CT,
 * ~13× cheaper) and not cached.
 */
export function getLookupTable<E extends LutEncoding>(
  kind: LutRawKind,
  hu: HuMapParams,
  windows: readonly WindowPreset[],
  sigmoid: boolean,
  encoding: E,
  raw?: ArrayLike<number>,
): LookupTable<E> {
  if (raw !== undefined && (hu.huOffset !== 0 || hu.huScale !== 1)) return buildLookupTable(kind, hu, windows, sigmoid, encoding, valueRange(raw));
  const key = `${kind}|${huMapKey(hu)}|${windowsKey(windows, sigmoid)}|${encoding}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // refresh LRU position
    cache.set(key, hit);
    return hit as LookupTable<E>;
  }
  const table = buildLookupTable(kind, hu, windows, sigmoid, encoding);
  cache.set(key, table);
  if (cache.size > MAX_CACHED) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return table;
}

/** [min, max] of the values. */
function valueRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * Fill a table for raw values in `range` (stored values, signed for signed kinds; default: every
 * value of the kind). Entry index = the value's bit pattern, `raw & (size − 1)`.
 */
function buildLookupTable<E extends LutEncoding>(
  kind: LutRawKind,
  hu: HuMapParams,
  windows: readonly WindowPreset[],
  sigmoid: boolean,
  encoding: E,
  range?: readonly [number, number],
): LookupTable<E> {
  const size = kind === 'u16' || kind === 's16' ? 65536 : 256;
  const signed = kind === 's16' || kind === 's8';
  const [lo, hi] = range ?? (signed ? [-size / 2, size / 2 - 1] : [0, size - 1]);
  const mask = size - 1;
  const c = windows.length;
  const toHu = createHuMapper(hu);
  const fns = windows.map((w) => createWindowFunction(w, { sigmoid }));
  if (encoding === 'p3') {
    if (c > 3) throw new RangeError('p3 tables pack at most 3 channels');
    const table = new Float64Array(size);
    for (let raw = lo; raw <= hi; raw++) {
      const h = toHu(raw);
      let packed = 0;
      for (let ch = 0; ch < c; ch++) packed += Math.round((fns[ch] as (x: number) => number)(h) * Q7_SCALE) * (P3_FIELD[ch] as number);
      table[raw & mask] = packed;
    }
    return table as LookupTable<E>;
  }
  const n = size * c;
  const table = encoding === 'q8' ? new Uint16Array(n) : new Float32Array(n);
  for (let raw = lo; raw <= hi; raw++) {
    const h = toHu(raw);
    const u = raw & mask;
    for (let ch = 0; ch < c; ch++) {
      const v = (fns[ch] as (x: number) => number)(h);
      table[u * c + ch] = encoding === 'q8' ? Math.round(v * Q8_SCALE) : v;
    }
  }
  return table as LookupTable<E>;
}

/** Which table kind serves a raw array, or undefined for 32-bit arrays (served per pixel instead). */
export function lutKindOf(data: ArrayBufferView): LutRawKind | undefined {
  if (data instanceof Uint16Array) return 'u16';
  if (data instanceof Int16Array) return 's16';
  if (data instanceof Uint8Array) return 'u8';
  if (data instanceof Int8Array) return 's8';
  return undefined;
}

/** Drop cached tables (tests and memory-conscious callers). */
export function clearLookupTableCache(): void {
  cache.clear();
}
