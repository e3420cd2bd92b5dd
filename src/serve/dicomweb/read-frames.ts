/**
 * WADO-RS frames (PS3.18 §10.4.1.1.3): the requested frames of a stored file, decoded, as native
 * little-endian bytes of the stored values — what pydicom's `pixel_array.tobytes()` gives per frame.
 * Greyscale 8/16/32-bit files in every transfer syntax ichscan reads go through its own decoder
 * (src/dicom: JPEG, JPEG-LS, JPEG 2000, HTJ2K, RLE, deflate, big endian). Native files it does not
 * decode as CT — colour (the key-image SC) and 1-bit SEG — are sliced from the pixel data as stored:
 * colour frames byte for byte (16-bit samples byte-swapped from big endian), 1-bit frames re-packed
 * per frame (the first pixel in the lowest bit; a frame starts on a byte boundary).
 */
import { readFile } from 'node:fs/promises';
import { ichError } from '../../core/errors.js';
import { decodeDicom, lookUpTransferSyntax } from '../../dicom/index.js';
import { parseDataSet } from '../../dicom/parse.js';

/** Frame numbers of a `frames/{list}` path segment (1-based, comma-separated); ICH_E_USAGE when malformed. */
export function parseFrameList(text: string): number[] {
  const list = text.split(',').map((s) => s.trim());
  if (list.length === 0 || list.length > 10000 || !list.every((s) => /^[1-9][0-9]{0,6}$/.test(s))) throw ichError('ICH_E_USAGE', 'frames must be a comma-separated list of frame numbers ≥ 1');
  return list.map(Number);
}

/** The stored bits of frame `f` (0-based) of a 1-bit image, re-packed so the frame starts at bit 0. */
function packBitFrame(bits: Uint8Array, pixels: number, f: number): Buffer {
  const out = Buffer.alloc(Math.ceil(pixels / 8));
  const start = f * pixels;
  for (let i = 0; i < pixels; i++) {
    const b = start + i;
    if (((bits[b >> 3] ?? 0) >> (b & 7)) & 1) out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
  }
  return out;
}

/** Byte-swaps 16-bit samples in place (big endian → little endian). */
function swap16(buf: Buffer): Buffer {
  return buf.length % 2 === 0 ? buf.swap16() : buf;
}

/** The frames `numbers` (1-based) of the file at `path`, one Buffer each. */
export async function readFrames(path: string, numbers: readonly number[]): Promise<Buffer[]> {
  const bytes = await readFile(path);
  const what = 'stored instance';
  const { dataSet: ds, transferSyntaxUid } = parseDataSet(bytes, what);
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  const samples = ds.uint16('x00280002') ?? 1;
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  const frames = Number.parseInt(ds.string('x00280008') ?? '1', 10) || 1;
  for (const n of numbers) if (n > frames) throw ichError('ICH_E_USAGE', `frame ${n} requested; the instance has ${frames}`);
  const ts = lookUpTransferSyntax(transferSyntaxUid);
  if (!ts) throw ichError('ICH_E_UNSUPPORTED_SYNTAX', transferSyntaxUid);
  const pixels = rows * columns;
  if (samples === 1 && [8, 16, 32].includes(bitsAllocated)) {
    const { raw } = await decodeDicom(bytes, what);
    const per = pixels * raw.data.BYTES_PER_ELEMENT;
    return numbers.map((n) => Buffer.from(new Uint8Array(raw.data.buffer, raw.data.byteOffset + (n - 1) * per, per)));
  }
  const el = ds.elements['x7fe00010'];
  if (!el) throw ichError('ICH_E_NO_PIXEL_DATA');
  if (ts.encoding !== 'native' || el.encapsulatedPixelData) throw ichError('ICH_E_UNSUPPORTED_IMAGE', `${samples} samples of ${bitsAllocated} bits in ${ts.name}: frames are served decoded for greyscale images only`);
  const data = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  if (bitsAllocated === 1) {
    if (data.length * 8 < pixels * frames) throw ichError('ICH_E_TRUNCATED', 'pixel data shorter than its frames');
    return numbers.map((n) => packBitFrame(data, pixels, n - 1));
  }
  if (bitsAllocated % 8 !== 0) throw ichError('ICH_E_UNSUPPORTED_IMAGE', `BitsAllocated = ${bitsAllocated}`);
  const per = pixels * samples * (bitsAllocated / 8);
  if (data.length < per * frames) throw ichError('ICH_E_TRUNCATED', 'pixel data shorter than its frames');
  return numbers.map((n) => {
    const frame = Buffer.from(data.subarray((n - 1) * per, n * per));
    return !ts.littleEndian && bitsAllocated === 16 ? swap16(frame) : frame;
  });
}
