/**
 * Uncompressed (native) pixel data → typed array of stored values, as pydicom's numpy handler
 * gives them: dtype from BitsAllocated and PixelRepresentation, no masking to BitsStored.
 * Little-endian data at an aligned offset is returned as a zero-copy view on the file's bytes;
 * misaligned data is copied once, big-endian data is copied and byte-swapped.
 */
import type { DataSet } from 'dicom-parser';
import { ichError } from '../core/errors.js';
import type { CtMeta, RawPixels } from './types.js';

export type RawArray = RawPixels['data'];

/** The typed-array constructor pydicom's dtype corresponds to. */
export function rawArrayType(bitsAllocated: number, pixelRepresentation: 0 | 1, file: string) {
  switch (bitsAllocated) {
    case 8:
      return pixelRepresentation === 1 ? Int8Array : Uint8Array;
    case 16:
      return pixelRepresentation === 1 ? Int16Array : Uint16Array;
    case 32:
      return pixelRepresentation === 1 ? Int32Array : Uint32Array;
    default:
      throw ichError('ICH_E_UNSUPPORTED_IMAGE', `BitsAllocated = ${bitsAllocated}`, { file });
  }
}

/**
 * Returns the stored values of all frames (frame-major) of native pixel data. Throws
 * ICH_E_TRUNCATED when the file ends before the pixel data does, ICH_E_BAD_DIMENSIONS when the
 * header claims more pixels than the element holds.
 */
export function readNativePixels(ds: DataSet, meta: CtMeta, littleEndian: boolean): RawArray {
  const { file } = meta;
  if (meta.samplesPerPixel !== 1) {
    throw ichError('ICH_E_UNSUPPORTED_IMAGE', `SamplesPerPixel = ${meta.samplesPerPixel} (${meta.photometricInterpretation}); CT is greyscale`, { file });
  }
  const Ctor = rawArrayType(meta.bitsAllocated, meta.pixelRepresentation, file);
  const el = ds.elements['x7fe00010'];
  if (!el) throw ichError('ICH_E_NO_PIXEL_DATA', undefined, { file });
  if (el.encapsulatedPixelData) throw ichError('ICH_E_DECODE', 'pixel data is encapsulated but the transfer syntax is native', { file });
  const count = meta.rows * meta.columns * meta.frames;
  const bytesPer = Ctor.BYTES_PER_ELEMENT;
  const need = count * bytesPer;
  const bytes = ds.byteArray;
  const available = bytes.length - el.dataOffset;
  if (el.length < need) {
    if (available < need && el.length > available) {
      throw ichError('ICH_E_TRUNCATED', `pixel data needs ${need} bytes, file holds ${Math.max(0, available)}`, { file });
    }
    throw ichError('ICH_E_BAD_DIMENSIONS', `header implies ${need} bytes of pixel data, element holds ${el.length}`, { file });
  }
  if (available < need) throw ichError('ICH_E_TRUNCATED', `pixel data needs ${need} bytes, file holds ${Math.max(0, available)}`, { file });
  const absOffset = bytes.byteOffset + el.dataOffset;
  if (littleEndian || bytesPer === 1) {
    if (absOffset % bytesPer === 0) return new Ctor(bytes.buffer as ArrayBuffer, absOffset, count);
    const copy = new Uint8Array(need);
    copy.set(bytes.subarray(el.dataOffset, el.dataOffset + need));
    return new Ctor(copy.buffer, 0, count);
  }
  return swapToNative(bytes.subarray(el.dataOffset, el.dataOffset + need), Ctor, count);
}

type Ctor = ReturnType<typeof rawArrayType>;

/** Copies big-endian samples into a new little-endian array of the given type. */
function swapToNative(src: Uint8Array, Ctor: Ctor, count: number): RawArray {
  const bytesPer = Ctor.BYTES_PER_ELEMENT;
  const out = new Uint8Array(count * bytesPer);
  for (let i = 0; i < out.length; i += bytesPer) {
    for (let b = 0; b < bytesPer; b++) out[i + b] = src[i + bytesPer - 1 - b]!;
  }
  return new Ctor(out.buffer, 0, count);
}
