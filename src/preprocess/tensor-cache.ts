/**
 * The tensor cache file (`.ict`): one preprocessed DICOM (all its frames) as a compact binary file,
 * so loaders skip decoding after the first epoch. Layout (little endian; docs/tensor-cache.md):
 *
 *   offset  bytes  field
 *   0       4      magic "ICHT"
 *   4       2      format version (1)
 *   6       1      dtype: 1 = uint8, 2 = float32
 *   7       1      reserved, 0
 *   8       4×4    shape n, h, w, c (frames, height, width, channels), each ≥ 1
 *   24      4      L: length of the metadata JSON in bytes
 *   28      4      CRC-32 of the payload
 *   32      L      metadata JSON (UTF-8): windows, sigmoid, source, ... (TensorCacheMeta)
 *   32+L    0–3    zero padding to a multiple of 4 (so float32 payloads can be viewed in place)
 *   P       n·h·w·c·bytes  payload, NHWC
 * The file ends exactly at the payload's end. Anything else → ICH_E_CACHE_FORMAT naming the file.
 */
import { readFileSync } from 'node:fs';
import type { Batch, Image } from '../core/tensor.js';
import type { WindowPreset } from '../core/windows.js';
import { ichError, toIchError } from '../core/errors.js';
import { crc32 } from './crc32.js';
import { writeFileAtomicSync } from '../core/atomic-write.js';

export const TENSOR_CACHE_MAGIC = 'ICHT';
export const TENSOR_CACHE_VERSION = 1;
export const TENSOR_CACHE_EXT = '.ict';
const FIXED_HEADER = 32;
const MAX_META = 1 << 20;
const MAX_ELEMENTS = 1 << 30;

export interface TensorCacheMeta {
  /** One per channel, in channel order. */
  windows: WindowPreset[];
  sigmoid: boolean;
  /** The input file, relative to the preprocessed folder (forward slashes). */
  source?: string;
  sopInstanceUid?: string;
  rsna12BitFix?: boolean;
  padToAir?: boolean;
  /** ichscan version that wrote the file. */
  writer?: string;
}

export type CacheDType = 'uint8' | 'float32';

export interface TensorCacheEntry {
  meta: TensorCacheMeta;
  /** All frames, NHWC. */
  tensor: Batch<'uint8'> | Batch<'float32'>;
}

const DTYPE_CODE: Record<CacheDType, number> = { uint8: 1, float32: 2 };

/** A single image is stored as a batch of one. */
export function toBatch<D extends CacheDType>(t: Batch<D> | Image<D>): Batch<D> {
  if (t.shape.length === 4) return t as Batch<D>;
  const [h, w, c] = t.shape;
  return { dtype: t.dtype, data: t.data, shape: [1, h, w, c] };
}

/** Serialise to the chunks of one file (header, payload) without copying the payload. */
export function encodeTensorCache(tensor: Batch<CacheDType> | Image<CacheDType>, meta: TensorCacheMeta): Uint8Array[] {
  const b = toBatch(tensor);
  const [n, h, w, c] = b.shape;
  if (meta.windows.length !== c) throw ichError('ICH_E_INTERNAL', `tensor cache: ${c} channels but ${meta.windows.length} windows`);
  if (b.data.length !== n * h * w * c) throw ichError('ICH_E_INTERNAL', `tensor cache: data length ${b.data.length} ≠ ${n}×${h}×${w}×${c}`);
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const payloadOffset = Math.ceil((FIXED_HEADER + json.length) / 4) * 4;
  const payload = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  const header = Buffer.alloc(payloadOffset);
  header.write(TENSOR_CACHE_MAGIC, 0, 'latin1');
  header.writeUInt16LE(TENSOR_CACHE_VERSION, 4);
  header.writeUInt8(DTYPE_CODE[b.dtype], 6);
  header.writeUInt32LE(n, 8);
  header.writeUInt32LE(h, 12);
  header.writeUInt32LE(w, 16);
  header.writeUInt32LE(c, 20);
  header.writeUInt32LE(json.length, 24);
  header.writeUInt32LE(crc32(payload), 28);
  json.copy(header, FIXED_HEADER);
  return [header, payload];
}

/** Parse a cache file's bytes. `file` names it in errors. Verifies sizes and the payload CRC. */
export function decodeTensorCache(bytes: Uint8Array, file: string): TensorCacheEntry {
  const bad = (detail: string): never => {
    throw ichError('ICH_E_CACHE_FORMAT', detail, { file });
  };
  if (bytes.length < FIXED_HEADER) bad(`${bytes.length} bytes, shorter than the ${FIXED_HEADER}-byte header`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.toString('latin1', 0, 4) !== TENSOR_CACHE_MAGIC) bad('bad magic (not an ichscan tensor cache)');
  const version = buf.readUInt16LE(4);
  if (version !== TENSOR_CACHE_VERSION) bad(`format version ${version}, this ichscan reads ${TENSOR_CACHE_VERSION}`);
  const code = buf.readUInt8(6);
  const dtype: CacheDType | undefined = code === 1 ? 'uint8' : code === 2 ? 'float32' : undefined;
  if (dtype === undefined) return bad(`unknown dtype code ${code}`);
  const shape = [buf.readUInt32LE(8), buf.readUInt32LE(12), buf.readUInt32LE(16), buf.readUInt32LE(20)] as const;
  const count = shape[0] * shape[1] * shape[2] * shape[3];
  if (shape.some((d) => d < 1) || count > MAX_ELEMENTS) bad(`implausible shape ${shape.join('×')}`);
  const metaLen = buf.readUInt32LE(24);
  if (metaLen > MAX_META) bad(`metadata length ${metaLen}`);
  const payloadOffset = Math.ceil((FIXED_HEADER + metaLen) / 4) * 4;
  const payloadBytes = count * (dtype === 'uint8' ? 1 : 4);
  if (bytes.length !== payloadOffset + payloadBytes) bad(`size ${bytes.length} bytes, header says ${payloadOffset + payloadBytes} (truncated or padded)`);
  let meta: TensorCacheMeta;
  try {
    meta = JSON.parse(buf.toString('utf8', FIXED_HEADER, FIXED_HEADER + metaLen)) as TensorCacheMeta;
  } catch (e) {
    throw toIchError(e, 'ICH_E_CACHE_FORMAT', file);
  }
  if (!meta || !Array.isArray(meta.windows) || meta.windows.length !== shape[3]) bad(`metadata does not list ${shape[3]} windows`);
  const payload = bytes.subarray(payloadOffset, payloadOffset + payloadBytes);
  if (crc32(payload) !== buf.readUInt32LE(28)) bad('payload CRC mismatch (corrupted)');
  if (dtype === 'uint8') return { meta, tensor: { dtype, data: payload, shape } };
  const aligned = payload.byteOffset % 4 === 0 ? payload : payload.slice();
  return { meta, tensor: { dtype, data: new Float32Array(aligned.buffer, aligned.byteOffset, count), shape } };
}

/** Write a cache file atomically (tmp + rename). Overwrites: callers enforce the no-overwrite rule. */
export function writeTensorCache(path: string, tensor: Batch<CacheDType> | Image<CacheDType>, meta: TensorCacheMeta): void {
  writeFileAtomicSync(path, encodeTensorCache(tensor, meta));
}

/** Read and verify a cache file. Throws ICH_E_FILE_NOT_FOUND / ICH_E_FILE_READ / ICH_E_CACHE_FORMAT. */
export function readTensorCache(path: string): TensorCacheEntry {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'ICH_E_FILE_NOT_FOUND' : 'ICH_E_FILE_READ';
    throw toIchError(e, code, path);
  }
  return decodeTensorCache(bytes, path);
}
