/**
 * Part 10 / raw-dataset parsing on top of dicom-parser 1.8.21, with the cases it does not handle
 * itself: files without the 128-byte preamble (with or without a meta group), meta headers that
 * lack a TransferSyntaxUID, and thrown strings/objects turned into coded IchErrors naming the file.
 * Returns the parsed DataSet; pixel data is not touched (dicom-parser only records its offset).
 */
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { ichError, isIchError, toIchError, type IchError } from '../core/errors.js';
import { EXPLICIT_VR_BE, EXPLICIT_VR_LE, IMPLICIT_VR_LE } from './transfer-syntax.js';

export interface ParsedDataSet {
  dataSet: DataSet;
  transferSyntaxUid: string;
}

const PREAMBLE = 128;
const PIXEL_DATA_TAG = 'x7fe00010';
/** Two-letter value representations of PS3.5; used to tell explicit from implicit VR when sniffing. */
const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

export interface ParseOptions {
  /**
   * Stop at the Pixel Data element header (its offset and length are recorded, its value is not
   * read). Header-only reads then work on a prefix of the file — the index reads 64 KiB per file.
   */
  headerOnly?: boolean;
}

/**
 * Parses a DICOM file or bare dataset. Throws IchError: ICH_E_NOT_DICOM when the bytes look like no
 * DICOM encoding, ICH_E_TRUNCATED when the parser runs off the end, ICH_E_BAD_TAG for other
 * malformed content.
 */
export function parseDataSet(bytes: Uint8Array, file: string, options: ParseOptions = {}): ParsedDataSet {
  const until = options.headerOnly ? PIXEL_DATA_TAG : undefined;
  const buf = asBuffer(bytes);
  if (buf.length >= PREAMBLE + 4 && hasDicmPrefix(buf, PREAMBLE)) {
    let meta: { end: number; transferSyntaxUid: string | undefined } | undefined;
    try {
      meta = walkMetaGroup(buf, PREAMBLE + 4, file);
    } catch {
      // A malformed meta group: let dicom-parser try (and report) it.
    }
    // Meta header without (0002,0010): guess the dataset's encoding from its first element.
    if (meta && meta.transferSyntaxUid === undefined) return parseBareDataSet(buf.subarray(meta.end), file, until);
    return runParser(buf, undefined, file, until);
  }
  if (buf.length >= 8 && readU16LE(buf, 0) === 0x0002 && isVr(buf, 4)) {
    // Meta group present but no preamble/"DICM": parse the dataset after it.
    const meta = walkMetaGroup(buf, 0, file);
    const rest = buf.subarray(meta.end);
    return meta.transferSyntaxUid === undefined ? parseBareDataSet(rest, file, until) : runParser(rest, meta.transferSyntaxUid, file, until);
  }
  return parseBareDataSet(buf, file, until);
}

function parseBareDataSet(buf: Buffer, file: string, until: string | undefined): ParsedDataSet {
  const ts = sniffTransferSyntax(buf);
  if (ts === undefined) throw ichError('ICH_E_NOT_DICOM', 'no DICM prefix and no recognisable DICOM data element at the start', { file });
  return runParser(buf, ts, file, until);
}

function runParser(buf: Buffer, forcedTs: string | undefined, file: string, untilTag: string | undefined): ParsedDataSet {
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(buf, {
      ...(forcedTs === undefined ? {} : { TransferSyntaxUID: forcedTs }),
      ...(untilTag === undefined ? {} : { untilTag }),
    });
  } catch (e) {
    throw classifyParserError(e, file);
  }
  const transferSyntaxUid = forcedTs ?? dataSet.string('x00020010');
  if (transferSyntaxUid === undefined) throw ichError('ICH_E_BAD_TAG', 'TransferSyntaxUID (0002,0010) is missing', { file });
  return { dataSet, transferSyntaxUid: transferSyntaxUid.replace(/\0/g, '').trim() };
}

/** dicom-parser throws strings, Errors or `{exception, dataSet}` objects; give each a code. */
function classifyParserError(e: unknown, file: string): IchError {
  if (isIchError(e)) return e;
  const inner = typeof e === 'object' && e !== null && 'exception' in e ? (e as { exception: unknown }).exception : e;
  const text = inner instanceof Error ? inner.message : String(inner);
  if (/past end|end of buffer|overread|overrun|beyond|truncat|eof/i.test(text)) return toIchError(inner, 'ICH_E_TRUNCATED', file);
  if (/DICM prefix/i.test(text)) return toIchError(inner, 'ICH_E_NOT_DICOM', file);
  return toIchError(inner, 'ICH_E_BAD_TAG', file);
}

/** Walks explicit-LE group-0002 elements from `start`; returns where the dataset begins and the TS UID. */
function walkMetaGroup(buf: Buffer, start: number, file: string): { end: number; transferSyntaxUid: string | undefined } {
  let p = start;
  let ts: string | undefined;
  while (p + 8 <= buf.length && readU16LE(buf, p) === 0x0002) {
    const element = readU16LE(buf, p + 2);
    if (!isVr(buf, p + 4)) throw ichError('ICH_E_BAD_TAG', `meta element (0002,${hex4(element)}) has no valid VR`, { file });
    const vr = buf.toString('latin1', p + 4, p + 6);
    const longForm = vr === 'OB' || vr === 'OW' || vr === 'OF' || vr === 'SQ' || vr === 'UT' || vr === 'UN' || vr === 'UC' || vr === 'UR';
    const headerLen = longForm ? 12 : 8;
    if (p + headerLen > buf.length) throw ichError('ICH_E_TRUNCATED', 'file ends inside the meta header', { file });
    const len = longForm ? buf.readUInt32LE(p + 8) : readU16LE(buf, p + 6);
    const valueStart = p + headerLen;
    if (valueStart + len > buf.length) throw ichError('ICH_E_TRUNCATED', 'file ends inside the meta header', { file });
    if (element === 0x0010) ts = buf.toString('latin1', valueStart, valueStart + len).replace(/\0/g, '').trim() || undefined;
    p = valueStart + len;
  }
  return { end: p, transferSyntaxUid: ts };
}

/**
 * Guesses the encoding of a dataset with no meta header from its first element: explicit VR when
 * bytes 4–5 are a VR, big endian when the group only makes sense read big-endian. Undefined when the
 * first element is not plausibly DICOM (group beyond 0x0030, odd group, length past the end).
 */
export function sniffTransferSyntax(buf: Uint8Array): string | undefined {
  if (buf.length < 8) return undefined;
  const groupLE = buf[0]! | (buf[1]! << 8);
  const groupBE = (buf[0]! << 8) | buf[1]!;
  const explicit = isVr(buf, 4);
  const plausible = (g: number): boolean => g % 2 === 0 && g <= 0x0030;
  if (plausible(groupLE) && groupLE !== 0) {
    if (explicit) return EXPLICIT_VR_LE;
    const len = (buf[4]! | (buf[5]! << 8) | (buf[6]! << 16)) + buf[7]! * 0x1000000;
    return len === 0xffffffff || 8 + len <= buf.length ? IMPLICIT_VR_LE : undefined;
  }
  if (plausible(groupBE) && groupBE !== 0 && explicit) return EXPLICIT_VR_BE;
  return undefined;
}

function hasDicmPrefix(b: Uint8Array, at: number): boolean {
  return b[at] === 0x44 && b[at + 1] === 0x49 && b[at + 2] === 0x43 && b[at + 3] === 0x4d;
}

function isVr(b: Uint8Array, at: number): boolean {
  const c0 = b[at];
  const c1 = b[at + 1];
  if (c0 === undefined || c1 === undefined) return false;
  return VRS.has(String.fromCharCode(c0, c1));
}

function readU16LE(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0').toUpperCase();
}

/** A Node Buffer over the same memory (zero-copy); dicom-parser's deflate path needs a Buffer. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
