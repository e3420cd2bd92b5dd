/**
 * Encapsulated (compressed) pixel data: fragments → frames → decoded stored values.
 * Frame boundaries: one frame takes all fragments; as many fragments as frames means one each
 * (even when the offset table is wrong, as in GDCM's 00191113.dcm); else the Basic Offset Table;
 * else a new frame starts at each fragment that opens with the codec's start marker.
 * After decoding, values are made to match pydicom (see `matchPydicomSign`).
 */
import type { DataSet, Fragment } from 'dicom-parser';
import { ichError } from '../core/errors.js';
import type { CtMeta } from './types.js';
import { rawArrayType, type RawArray } from './native.js';
import { decodeRleFrame } from './rle.js';
import { decodeCompressedFrame } from './codecs.js';
import { readJ2kSign, signExtendInPlace } from './sign.js';
import type { PixelEncoding } from './transfer-syntax.js';

/** Decodes every frame of encapsulated pixel data into one frame-major array of stored values. */
export function decodeEncapsulatedPixels(ds: DataSet, meta: CtMeta, encoding: Exclude<PixelEncoding, 'native'>): RawArray {
  const { file } = meta;
  if (meta.samplesPerPixel !== 1) {
    throw ichError('ICH_E_UNSUPPORTED_IMAGE', `SamplesPerPixel = ${meta.samplesPerPixel} (${meta.photometricInterpretation}); CT is greyscale`, { file });
  }
  const el = ds.elements['x7fe00010'];
  if (!el) throw ichError('ICH_E_NO_PIXEL_DATA', undefined, { file });
  if (!el.encapsulatedPixelData || !el.fragments) throw ichError('ICH_E_DECODE', 'transfer syntax is compressed but pixel data is not encapsulated', { file });
  const frames = groupFragments(ds.byteArray, el.fragments, el.basicOffsetTable ?? [], meta.frames, encoding, file);
  const bytesPer = meta.bitsAllocated / 8;
  const frameLen = meta.rows * meta.columns;
  const frameBytes = frameLen * bytesPer;
  let Ctor = rawArrayType(meta.bitsAllocated, meta.pixelRepresentation, file);
  // J2K whose codestream says signed while the header says unsigned: pydicom follows the codestream.
  const j2kSign = encoding === 'jpeg2000' || encoding === 'htj2k' ? readJ2kSign(frames[0]!) : undefined;
  if (j2kSign?.signed && meta.pixelRepresentation === 0) Ctor = rawArrayType(meta.bitsAllocated, 1, file);
  let out: Uint8Array<ArrayBuffer> | undefined;
  for (let f = 0; f < frames.length; f++) {
    const encoded = frames[f]!;
    if (encoding === 'rle') {
      if (encoded.length * 64 < frameBytes / bytesPer) throw ichError('ICH_E_DECODE', `RLE frame ${f} is too short for ${meta.rows}×${meta.columns}`, { file });
      out ??= new Uint8Array(frameBytes * meta.frames);
      decodeRleFrame(encoded, out.subarray(f * frameBytes, (f + 1) * frameBytes), frameLen, bytesPer, file);
      continue;
    }
    const decoded = decodeCompressedFrame(encoding, encoded, meta, file);
    if (decoded.length < frameBytes) {
      throw ichError('ICH_E_DECODE', `frame ${f} decoded to ${decoded.length} bytes, ${frameBytes} expected for ${meta.rows}×${meta.columns}×${meta.bitsAllocated} bits`, { file });
    }
    out ??= new Uint8Array(frameBytes * meta.frames);
    out.set(decoded.subarray(0, frameBytes), f * frameBytes);
  }
  if (!out) throw ichError('ICH_E_NO_PIXEL_DATA', 'no frames in encapsulated pixel data', { file });
  const data = new Ctor(out.buffer, 0, frameLen * meta.frames);
  matchPydicomSign(data, meta, encoding, j2kSign);
  return data;
}

/**
 * Signed data with BitsStored < BitsAllocated must come out sign-extended from BitsStored, as
 * pydicom gives it for CT. Encoders store such samples as BitsStored-bit words (dcmtk and GDCM mask
 * them), and the codecs hand them back without the sign bits: CharLS always, libjpeg for lossless
 * JPEG, OpenJPEG/OpenJPH when the codestream says unsigned. So every codec's output is sign-extended
 * from BitsStored — idempotent on values that are already extended — except a J2K codestream that is
 * itself signed with a precision above BitsStored (its values are already right and may not fit).
 * A J2K codestream that says signed while the header says unsigned is followed, as pydicom does
 * (int16, extended from the codestream precision). RLE keeps whole bytes and is left as stored.
 */
function matchPydicomSign(data: RawArray, meta: CtMeta, encoding: PixelEncoding, j2k: { signed: boolean; precision: number } | undefined): void {
  if (encoding === 'rle' || encoding === 'native') return;
  if (j2k?.signed && meta.pixelRepresentation === 0) {
    if (j2k.precision < meta.bitsAllocated) signExtendInPlace(data, j2k.precision);
    return;
  }
  if (meta.pixelRepresentation !== 1 || meta.bitsStored >= meta.bitsAllocated) return;
  if (j2k?.signed && j2k.precision > meta.bitsStored) return;
  signExtendInPlace(data, meta.bitsStored);
}

/** Splits fragments into frames (see the module comment); every slice checked against the buffer. */
function groupFragments(
  bytes: Uint8Array,
  fragments: Fragment[],
  offsetTable: number[],
  frameCount: number,
  encoding: PixelEncoding,
  file: string,
): Uint8Array[] {
  for (const fr of fragments) {
    if (fr.position + fr.length > bytes.length) throw ichError('ICH_E_TRUNCATED', 'file ends inside a pixel data fragment', { file });
  }
  if (fragments.length === 0) throw ichError('ICH_E_NO_PIXEL_DATA', 'encapsulated pixel data has no fragments', { file });
  const slice = (fr: Fragment): Uint8Array => bytes.subarray(fr.position, fr.position + fr.length);
  if (frameCount === 1) return [concat(fragments.map(slice))];
  if (fragments.length === frameCount) return fragments.map(slice);
  let groups: Fragment[][];
  if (offsetTable.length === frameCount) {
    groups = offsetTable.map((start, i) => {
      const stop = offsetTable[i + 1] ?? Number.POSITIVE_INFINITY;
      return fragments.filter((fr) => fr.offset >= start && fr.offset < stop);
    });
  } else {
    groups = [];
    for (const fr of fragments) {
      if (groups.length === 0 || startsFrame(slice(fr), encoding)) groups.push([fr]);
      else groups[groups.length - 1]!.push(fr);
    }
  }
  if (groups.length < frameCount || groups.slice(0, frameCount).some((g) => g.length === 0)) {
    throw ichError('ICH_E_DECODE', `found ${groups.length} frames in ${fragments.length} fragments, NumberOfFrames = ${frameCount}`, { file });
  }
  return groups.slice(0, frameCount).map((g) => concat(g.map(slice)));
}

/** Whether a fragment opens a new codestream: JPEG/JPEG-LS SOI FFD8, J2K SOC+SIZ FF4F FF51, JP2 box. */
function startsFrame(b: Uint8Array, encoding: PixelEncoding): boolean {
  if (encoding === 'jpeg' || encoding === 'jpeg-ls') return b[0] === 0xff && b[1] === 0xd8;
  if (encoding === 'jpeg2000' || encoding === 'htj2k') return (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51) || (b[4] === 0x6a && b[5] === 0x50);
  return true;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
