/**
 * Typed images and tensors: data plus shape and layout in the type, never loose number[].
 * Layout is always row-major; `Image` is HWC (channels last, as tfjs and the loader use).
 */
export type DType = 'float32' | 'uint8' | 'int16' | 'int32';
export interface DataTypeMap {
  float32: Float32Array;
  uint8: Uint8Array;
  int16: Int16Array;
  int32: Int32Array;
}

/** An image of height h, width w, c channels, HWC order: index = (y * w + x) * c + ch. */
export interface Image<D extends DType = 'float32'> {
  readonly dtype: D;
  readonly data: DataTypeMap[D];
  readonly shape: readonly [h: number, w: number, c: number];
}

/** A batch of images, NHWC. */
export interface Batch<D extends DType = 'float32'> {
  readonly dtype: D;
  readonly data: DataTypeMap[D];
  readonly shape: readonly [n: number, h: number, w: number, c: number];
}

/** A single-channel plane (e.g. Hounsfield units of one frame), row-major [rows, columns]. */
export interface Plane<T extends Float32Array | Int32Array | Int16Array | Uint16Array | Uint8Array = Float32Array> {
  readonly data: T;
  readonly shape: readonly [rows: number, columns: number];
}

export function createImage<D extends DType>(dtype: D, h: number, w: number, c: number): Image<D> {
  const n = h * w * c;
  const data = (
    dtype === 'float32' ? new Float32Array(n) : dtype === 'uint8' ? new Uint8Array(n) : dtype === 'int16' ? new Int16Array(n) : new Int32Array(n)
  ) as DataTypeMap[D];
  return { dtype, data, shape: [h, w, c] };
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Concatenates float arrays (e.g. per-batch n×6 predictions) into one. */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
