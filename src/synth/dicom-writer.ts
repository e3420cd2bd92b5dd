/**
 * A small strict DICOM Part 10 writer for Explicit VR Little Endian (1.2.840.10008.1.2.1), enough
 * for single-frame CT images. Strict means: unknown VRs, odd-length binary values, strings that
 * break their VR's length or character rules, and duplicate tags are programming errors and throw.
 * Output bytes depend only on the elements given (sorted by tag here), so the same input gives the
 * same file byte for byte. Why not dcmjs: this writer is ~10× less code on the hot path and has no
 * naturalisation step to go wrong; dcmjs still reads our files back in tests.
 */
import { ichError } from '../core/errors.js';

/** The value representations this writer supports. */
export type WritableVr = 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'PN' | 'SH' | 'TM' | 'UI' | 'US' | 'SS' | 'UL' | 'OB' | 'OW';

export interface DicomElement {
  /** (group << 16) | element, e.g. 0x00280010 for Rows. */
  tag: number;
  vr: WritableVr;
  /** Strings for text VRs (multi-valued joined with `\`); numbers for US/SS/UL; bytes for OB/OW. */
  value: string | string[] | number | number[] | Uint8Array;
}

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** Max length in characters per value (PS3.5 table 6.2-1); undefined = no limit checked here. */
const MAX_CHARS: Partial<Record<WritableVr, number>> = { AE: 16, AS: 4, CS: 16, DA: 8, DS: 16, IS: 12, LO: 64, PN: 64, SH: 16, TM: 14, UI: 64 };
const LONG_LENGTH_VRS = new Set<WritableVr>(['OB', 'OW']);

function fail(detail: string): never {
  throw ichError('ICH_E_INTERNAL', `DICOM writer: ${detail}`);
}

function tagText(tag: number): string {
  return `(${(tag >>> 16).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')})`;
}

function checkStringValue(tag: number, vr: WritableVr, v: string): void {
  const max = MAX_CHARS[vr];
  if (max !== undefined && v.length > max) fail(`${tagText(tag)} ${vr} value "${v}" longer than ${max}`);
  if (vr === 'UI' && v !== '' && !/^[0-9]+(\.[0-9]+)*$/.test(v)) fail(`${tagText(tag)} bad UID "${v}"`);
  if (vr === 'CS' && !/^[A-Z0-9 _]*$/.test(v)) fail(`${tagText(tag)} bad CS "${v}"`);
  if (vr === 'DA' && v !== '' && !/^\d{8}$/.test(v)) fail(`${tagText(tag)} bad DA "${v}"`);
  if ((vr === 'DS' || vr === 'IS') && v !== '' && !Number.isFinite(Number(v))) fail(`${tagText(tag)} bad ${vr} "${v}"`);
  if (vr === 'IS' && v !== '' && !/^[+-]?\d+$/.test(v.trim())) fail(`${tagText(tag)} bad IS "${v}"`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\\u007f-\uffff]/.test(v)) fail(`${tagText(tag)} ${vr} has characters outside the default repertoire`);
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

function encodeValue(el: DicomElement): Uint8Array {
  const { tag, vr, value } = el;
  if (vr === 'OB' || vr === 'OW') {
    if (!(value instanceof Uint8Array)) fail(`${tagText(tag)} ${vr} needs bytes`);
    if (vr === 'OW' && value.length % 2 !== 0) fail(`${tagText(tag)} OW has odd length`);
    if (value.length % 2 === 0) return value;
    const padded = new Uint8Array(value.length + 1);
    padded.set(value);
    return padded;
  }
  if (vr === 'US' || vr === 'SS' || vr === 'UL') {
    const nums = typeof value === 'number' ? [value] : Array.isArray(value) ? value.map(Number) : fail(`${tagText(tag)} ${vr} needs numbers`);
    const size = vr === 'UL' ? 4 : 2;
    const out = new Uint8Array(nums.length * size);
    const view = new DataView(out.buffer);
    nums.forEach((n, i) => {
      if (!Number.isInteger(n)) fail(`${tagText(tag)} ${vr} value ${n} is not an integer`);
      const [lo, hi] = vr === 'US' ? [0, 0xffff] : vr === 'SS' ? [-0x8000, 0x7fff] : [0, 0xffffffff];
      if (n < lo || n > hi) fail(`${tagText(tag)} ${vr} ${n} out of range`);
      if (vr === 'US') view.setUint16(i * 2, n, true);
      else if (vr === 'SS') view.setInt16(i * 2, n, true);
      else view.setUint32(i * 4, n, true);
    });
    return out;
  }
  const parts = typeof value === 'string' ? [value] : Array.isArray(value) ? value.map(String) : fail(`${tagText(tag)} ${vr} needs text`);
  for (const p of parts) checkStringValue(tag, vr, p);
  let text = parts.join('\\');
  if (text.length % 2 !== 0) text += vr === 'UI' ? '\0' : ' ';
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function encodeElement(el: DicomElement): Uint8Array {
  const body = encodeValue(el);
  const long = LONG_LENGTH_VRS.has(el.vr);
  const headerSize = long ? 12 : 8;
  if (!long && body.length > 0xffff) fail(`${tagText(el.tag)} value too long for ${el.vr}`);
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
    if (sorted[i]?.tag === sorted[i - 1]?.tag) fail(`duplicate tag ${tagText(sorted[i]?.tag ?? 0)}`);
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
