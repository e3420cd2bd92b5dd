/**
 * A small strict DICOM Part 10 writer for Explicit VR Little Endian (1.2.840.10008.1.2.1): the CT
 * slices of `synth` and the result objects of `dicom-out` (SR, SEG, Secondary Capture, KOS).
 * Strict means: unknown VRs, odd-length binary values, strings that break their VR's length or
 * character rules, and duplicate tags are programming errors and throw. Sequences are written with
 * defined lengths. Output bytes depend only on the elements given (sorted by tag here, at every
 * nesting level), so the same input gives the same file byte for byte.
 *
 * One escape: an element marked `copied` holds a value taken as it is from a source file (RSNA's
 * `ID_…` "UIDs", patient names in the source's character set). Its UID grammar and repertoire are
 * not checked — read leniently, copy faithfully — but lengths still are.
 * Why not dcmjs: this writer is ~10× less code on the hot path and has no naturalisation step to
 * go wrong; dcmjs still reads our files back in tests.
 */
import { ichError } from '../core/errors.js';

/** The value representations this writer supports. */
export type WritableVr =
  | 'AE' | 'AS' | 'AT' | 'CS' | 'DA' | 'DS' | 'DT' | 'FD' | 'FL' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'SL' | 'SQ' | 'SS' | 'ST' | 'TM' | 'UI' | 'UL' | 'US' | 'UT'
  | 'OB' | 'OW';

export interface DicomElement {
  /** (group << 16) | element, e.g. 0x00280010 for Rows. */
  tag: number;
  vr: WritableVr;
  /**
   * Strings for text VRs (multi-valued joined with `\`); numbers for US/SS/UL/SL/FL/FD and AT (tags
   * as `(group << 16) | element`); bytes for OB/OW (and for `copied` text, raw); items for SQ.
   */
  value: string | string[] | number | number[] | Uint8Array | DicomElement[][];
  /** Value copied from a source file: skip UID grammar and repertoire checks (lengths still checked). */
  copied?: boolean;
}

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** Max length per value (PS3.5 table 6.2-1): characters for text VRs; undefined = not checked here. */
const MAX_CHARS: Partial<Record<WritableVr, number>> = {
  AE: 16, AS: 4, CS: 16, DA: 8, DS: 16, DT: 26, IS: 12, LO: 64, LT: 10240, PN: 64, SH: 16, ST: 1024, TM: 14, UI: 64,
};
/** VRs with a 4-byte length field in explicit VR (PS3.5 7.1.2). */
const LONG_LENGTH_VRS = new Set<WritableVr>(['OB', 'OW', 'SQ', 'UT']);
/** Text VRs whose value is one free-text value: backslash allowed, control characters CR LF FF TAB allowed. */
const FREE_TEXT_VRS = new Set<WritableVr>(['LT', 'ST', 'UT']);
const ITEM = 0xfffee000;

function fail(detail: string): never {
  throw ichError('ICH_E_INTERNAL', `DICOM writer: ${detail}`);
}

export function formatTag(tag: number): string {
  return `(${(tag >>> 16).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')})`;
}

/** True for a UID PS3.5 §9.1 allows: ≤ 64 characters, digit components without leading zeros. */
export function isValidUid(v: string): boolean {
  return v.length > 0 && v.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(v);
}

function checkStringValue(tag: number, vr: WritableVr, v: string, copied: boolean): void {
  const max = MAX_CHARS[vr];
  if (max !== undefined && v.length > max) fail(`${formatTag(tag)} ${vr} value "${v.slice(0, 80)}" longer than ${max}`);
  if (copied) {
    if (vr !== 'UT' && vr !== 'LT' && vr !== 'ST' && v.includes('\\')) fail(`${formatTag(tag)} copied ${vr} value contains a backslash`);
    return;
  }
  if (vr === 'UI' && v !== '' && !isValidUid(v)) fail(`${formatTag(tag)} bad UID "${v}"`);
  if (vr === 'CS' && !/^[A-Z0-9 _]*$/.test(v)) fail(`${formatTag(tag)} bad CS "${v}"`);
  if (vr === 'DA' && v !== '' && !/^\d{8}$/.test(v)) fail(`${formatTag(tag)} bad DA "${v}"`);
  if (vr === 'TM' && v !== '' && !/^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$/.test(v)) fail(`${formatTag(tag)} bad TM "${v}"`);
  if (vr === 'DT' && v !== '' && !/^\d{4}(\d{2}){0,5}(\.\d{1,6})?([+-]\d{4})?$/.test(v)) fail(`${formatTag(tag)} bad DT "${v}"`);
  if ((vr === 'DS' || vr === 'IS') && v !== '' && !Number.isFinite(Number(v))) fail(`${formatTag(tag)} bad ${vr} "${v}"`);
  if (vr === 'IS' && v !== '' && !/^[+-]?\d+$/.test(v.trim())) fail(`${formatTag(tag)} bad IS "${v}"`);
  if (FREE_TEXT_VRS.has(vr)) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f-\uffff]/.test(v)) fail(`${formatTag(tag)} ${vr} has characters outside the default repertoire`);
    return;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\\u007f-\uffff]/.test(v)) fail(`${formatTag(tag)} ${vr} has characters outside the default repertoire`);
}

/** Formats a number for a DS value: at most 16 characters, no exponent unless needed. */
export function formatDs(x: number): string {
  if (!Number.isFinite(x)) fail(`DS value ${x} is not finite`);
  for (let digits = 10; digits >= 1; digits--) {
    const s = String(Number(x.toPrecision(digits)));
    if (s.length <= 16) return s;
  }
  fail(`DS value ${x} cannot be written in 16 characters`);
}

function numbersOf(el: DicomElement): number[] {
  const { value } = el;
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value as number[];
  fail(`${formatTag(el.tag)} ${el.vr} needs numbers`);
}

function encodeBinary(el: DicomElement): Uint8Array {
  const nums = numbersOf(el);
  const size = el.vr === 'FD' ? 8 : el.vr === 'US' || el.vr === 'SS' ? 2 : 4;
  const out = new Uint8Array(nums.length * size);
  const view = new DataView(out.buffer);
  nums.forEach((n, i) => {
    if (el.vr === 'FD' || el.vr === 'FL') {
      if (!Number.isFinite(n)) fail(`${formatTag(el.tag)} ${el.vr} value ${n} is not finite`);
      if (el.vr === 'FD') view.setFloat64(i * 8, n, true);
      else view.setFloat32(i * 4, n, true);
      return;
    }
    if (!Number.isInteger(n)) fail(`${formatTag(el.tag)} ${el.vr} value ${n} is not an integer`);
    const ranges: Record<string, [number, number]> = { US: [0, 0xffff], SS: [-0x8000, 0x7fff], UL: [0, 0xffffffff], SL: [-0x80000000, 0x7fffffff], AT: [0, 0xffffffff] };
    const [lo, hi] = ranges[el.vr] ?? fail(`${formatTag(el.tag)} ${el.vr} is not binary`);
    if (n < lo || n > hi) fail(`${formatTag(el.tag)} ${el.vr} ${n} out of range`);
    if (el.vr === 'US') view.setUint16(i * 2, n, true);
    else if (el.vr === 'SS') view.setInt16(i * 2, n, true);
    else if (el.vr === 'UL') view.setUint32(i * 4, n, true);
    else if (el.vr === 'SL') view.setInt32(i * 4, n, true);
    else {
      view.setUint16(i * 4, n >>> 16, true); // AT: group, then element
      view.setUint16(i * 4 + 2, n & 0xffff, true);
    }
  });
  return out;
}

function padToEven(bytes: Uint8Array, pad: number): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  padded[bytes.length] = pad;
  return padded;
}

function encodeValue(el: DicomElement): Uint8Array {
  const { tag, vr, value } = el;
  if (vr === 'SQ') {
    if (!Array.isArray(value) || !value.every((item) => Array.isArray(item))) fail(`${formatTag(tag)} SQ needs items`);
    const items = (value as DicomElement[][]).map((item) => {
      const body = Buffer.concat(encodeSorted(item));
      const header = new Uint8Array(8);
      const hv = new DataView(header.buffer);
      hv.setUint16(0, ITEM >>> 16, true);
      hv.setUint16(2, ITEM & 0xffff, true);
      hv.setUint32(4, body.length, true);
      return Buffer.concat([header, body]);
    });
    return Buffer.concat(items);
  }
  if (vr === 'OB' || vr === 'OW') {
    if (!(value instanceof Uint8Array)) fail(`${formatTag(tag)} ${vr} needs bytes`);
    if (vr === 'OW' && value.length % 2 !== 0) fail(`${formatTag(tag)} OW has odd length`);
    return padToEven(value, 0);
  }
  if (vr === 'US' || vr === 'SS' || vr === 'UL' || vr === 'SL' || vr === 'FL' || vr === 'FD' || vr === 'AT') return encodeBinary(el);
  const pad = vr === 'UI' ? 0 : 0x20;
  if (value instanceof Uint8Array) {
    if (!el.copied) fail(`${formatTag(tag)} raw bytes for ${vr} are only allowed for copied values`);
    const max = MAX_CHARS[vr];
    // Copied raw text: the limit is in characters; bytes ≥ characters, so allow up to 4 bytes each (UTF-8).
    if (max !== undefined && value.length > max * 4) fail(`${formatTag(tag)} copied ${vr} value longer than ${max}`);
    return padToEven(value, pad);
  }
  const parts = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : fail(`${formatTag(tag)} ${vr} needs text`);
  if (FREE_TEXT_VRS.has(vr) && parts.length !== 1) fail(`${formatTag(tag)} ${vr} takes one value`);
  for (const p of parts) checkStringValue(tag, vr, p, el.copied === true);
  return padToEven(Uint8Array.from(parts.join('\\'), (c) => c.charCodeAt(0)), pad);
}

function encodeElement(el: DicomElement): Uint8Array {
  const body = encodeValue(el);
  const long = LONG_LENGTH_VRS.has(el.vr);
  const headerSize = long ? 12 : 8;
  if (!long && body.length > 0xffff) fail(`${formatTag(el.tag)} value too long for ${el.vr}`);
  const out = new Uint8Array(headerSize + body.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, el.tag >>> 16, true);
  view.setUint16(2, el.tag & 0xffff, true);
  out[4] = el.vr.charCodeAt(0);
  out[5] = el.vr.charCodeAt(1);
  if (long) view.setUint32(8, body.length, true);
  else view.setUint16(6, body.length, true);
  out.set(body, headerSize);
  return out;
}

function encodeSorted(elements: readonly DicomElement[]): Uint8Array[] {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.tag === sorted[i - 1]?.tag) fail(`duplicate tag ${formatTag(sorted[i]?.tag ?? 0)}`);
  }
  return sorted.map(encodeElement);
}

export interface FileMetaInput {
  mediaStorageSopClassUid: string;
  mediaStorageSopInstanceUid: string;
  implementationClassUid: string;
  implementationVersionName: string;
}

/**
 * Writes a Part 10 file: 128-byte preamble, `DICM`, the group 2 file meta (with its group length),
 * then the dataset in Explicit VR Little Endian. `dataset` must not contain group 2 elements.
 */
export function writeDicomPart10(meta: FileMetaInput, dataset: readonly DicomElement[]): Buffer {
  if (dataset.some((e) => e.tag >>> 16 === 0x0002)) fail('dataset contains file meta (group 0002) elements');
  const metaBody = encodeSorted([
    { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
    { tag: 0x00020002, vr: 'UI', value: meta.mediaStorageSopClassUid },
    { tag: 0x00020003, vr: 'UI', value: meta.mediaStorageSopInstanceUid },
    { tag: 0x00020010, vr: 'UI', value: EXPLICIT_VR_LITTLE_ENDIAN },
    { tag: 0x00020012, vr: 'UI', value: meta.implementationClassUid },
    { tag: 0x00020013, vr: 'SH', value: meta.implementationVersionName },
  ]);
  const metaLength = metaBody.reduce((n, b) => n + b.length, 0);
  const groupLength = encodeElement({ tag: 0x00020000, vr: 'UL', value: metaLength });
  const body = encodeSorted(dataset);
  const chunks = [new Uint8Array(128), Uint8Array.from('DICM', (c) => c.charCodeAt(0)), groupLength, ...metaBody, ...body];
  return Buffer.concat(chunks);
}
