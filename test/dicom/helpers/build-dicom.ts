/**
 * Builds small DICOM files in memory for tests, in any of the native encodings (explicit/implicit
 * VR little endian, explicit big endian, deflated) with or without preamble and meta header, and
 * with native or encapsulated pixel data. Written from PS3.5/PS3.10 directly (not with ichscan's
 * reader), so a reader bug cannot hide behind a matching writer bug.
 */
import { deflateRawSync } from 'node:zlib';

export interface TestElement {
  /** (group << 16) | element. */
  tag: number;
  vr: string;
  /** Text for string VRs, numbers for US/SS/UL, bytes for OB/UN. */
  value: string | number[] | Uint8Array;
}

export type Samples = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface BuildOptions {
  transferSyntax: string;
  elements: TestElement[];
  /** Native samples (written in the syntax's byte order) or encapsulated fragments. */
  pixels?: { native: Samples } | { fragments: Uint8Array[]; offsetTable?: number[] };
  /** Write the 128-byte preamble and "DICM" (default true). */
  preamble?: boolean;
  /** Write the group-0002 meta header (default true). */
  meta?: boolean;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR']);

export interface CtGeometry {
  rows: number;
  columns: number;
  frames?: number;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: 0 | 1;
  slope?: number;
  intercept?: number;
  photometric?: string;
  modality?: string;
  sopInstanceUid?: string;
}

/** The image-pixel and rescale elements of a greyscale CT slice. */
export function ctElements(g: CtGeometry): TestElement[] {
  const bitsAllocated = g.bitsAllocated ?? 16;
  const bitsStored = g.bitsStored ?? bitsAllocated;
  const els: TestElement[] = [
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00080018, vr: 'UI', value: g.sopInstanceUid ?? '1.2.3.4.5' },
    { tag: 0x00080060, vr: 'CS', value: g.modality ?? 'CT' },
    { tag: 0x00280002, vr: 'US', value: [1] },
    { tag: 0x00280004, vr: 'CS', value: g.photometric ?? 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: [g.rows] },
    { tag: 0x00280011, vr: 'US', value: [g.columns] },
    { tag: 0x00280100, vr: 'US', value: [bitsAllocated] },
    { tag: 0x00280101, vr: 'US', value: [bitsStored] },
    { tag: 0x00280102, vr: 'US', value: [bitsStored - 1] },
    { tag: 0x00280103, vr: 'US', value: [g.pixelRepresentation ?? 1] },
    { tag: 0x00281052, vr: 'DS', value: String(g.intercept ?? -1024) },
    { tag: 0x00281053, vr: 'DS', value: String(g.slope ?? 1) },
  ];
  if (g.frames !== undefined) els.push({ tag: 0x00280008, vr: 'IS', value: String(g.frames) });
  return els;
}

export function buildDicom(o: BuildOptions): Uint8Array {
  const ts = o.transferSyntax;
  const explicit = ts !== '1.2.840.10008.1.2';
  const little = ts !== '1.2.840.10008.1.2.2';
  const body: Uint8Array[] = [...o.elements].sort((a, b) => a.tag - b.tag).map((e) => encodeElement(e, explicit, little));
  if (o.pixels && 'native' in o.pixels) {
    const s = o.pixels.native;
    const bytes = new Uint8Array(s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength));
    if (!little) swapInPlace(bytes, s.BYTES_PER_ELEMENT);
    body.push(encodeElement({ tag: 0x7fe00010, vr: s.BYTES_PER_ELEMENT === 1 ? 'OB' : 'OW', value: bytes }, explicit, little));
  } else if (o.pixels) {
    body.push(encodeEncapsulated(o.pixels.fragments, o.pixels.offsetTable ?? []));
  }
  let dataset = concat(body);
  if (ts === '1.2.840.10008.1.2.1.99') dataset = new Uint8Array(deflateRawSync(dataset));
  const parts: Uint8Array[] = [];
  if (o.preamble ?? true) parts.push(new Uint8Array(128), new TextEncoder().encode('DICM'));
  if (o.meta ?? true) parts.push(encodeMeta(ts));
  parts.push(dataset);
  return concat(parts);
}

function encodeMeta(ts: string): Uint8Array {
  const els = [
    encodeElement({ tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) }, true, true),
    encodeElement({ tag: 0x00020002, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' }, true, true),
    encodeElement({ tag: 0x00020003, vr: 'UI', value: '1.2.3.4.5' }, true, true),
    encodeElement({ tag: 0x00020010, vr: 'UI', value: ts }, true, true),
  ];
  const rest = concat(els);
  const groupLength = encodeElement({ tag: 0x00020000, vr: 'UL', value: [rest.length] }, true, true);
  return concat([groupLength, rest]);
}

function valueBytes(e: TestElement, little: boolean): Uint8Array {
  if (e.value instanceof Uint8Array) return e.value.length % 2 ? concat([e.value, new Uint8Array(1)]) : e.value;
  if (typeof e.value === 'string') {
    let s = e.value;
    if (s.length % 2) s += e.vr === 'UI' ? '\0' : ' ';
    return new TextEncoder().encode(s);
  }
  const size = e.vr === 'UL' ? 4 : 2;
  const out = new Uint8Array(e.value.length * size);
  const dv = new DataView(out.buffer);
  e.value.forEach((v, i) => {
    if (size === 4) dv.setUint32(i * 4, v, little);
    else if (e.vr === 'SS') dv.setInt16(i * 2, v, little);
    else dv.setUint16(i * 2, v, little);
  });
  return out;
}

function encodeElement(e: TestElement, explicit: boolean, little: boolean): Uint8Array {
  const value = valueBytes(e, little);
  const long = LONG_VRS.has(e.vr);
  const headLen = explicit ? (long ? 12 : 8) : 8;
  const out = new Uint8Array(headLen + value.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, e.tag >>> 16, little);
  dv.setUint16(2, e.tag & 0xffff, little);
  if (explicit) {
    out[4] = e.vr.charCodeAt(0);
    out[5] = e.vr.charCodeAt(1);
    if (long) dv.setUint32(8, value.length, little);
    else dv.setUint16(6, value.length, little);
  } else {
    dv.setUint32(4, value.length, little);
  }
  out.set(value, headLen);
  return out;
}

/** (7FE0,0010) OB of undefined length: Basic Offset Table item, one item per fragment, delimiter. */
function encodeEncapsulated(fragments: Uint8Array[], offsetTable: number[]): Uint8Array {
  const item = (bytes: Uint8Array): Uint8Array => {
    const padded = bytes.length % 2 ? concat([bytes, new Uint8Array(1)]) : bytes;
    const out = new Uint8Array(8 + padded.length);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xfffe, true);
    dv.setUint16(2, 0xe000, true);
    dv.setUint32(4, padded.length, true);
    out.set(padded, 8);
    return out;
  };
  const head = new Uint8Array(12);
  const hv = new DataView(head.buffer);
  hv.setUint16(0, 0x7fe0, true);
  hv.setUint16(2, 0x0010, true);
  head[4] = 0x4f; // 'O'
  head[5] = 0x42; // 'B'
  hv.setUint32(8, 0xffffffff, true);
  const bot = new Uint8Array(offsetTable.length * 4);
  offsetTable.forEach((v, i) => new DataView(bot.buffer).setUint32(i * 4, v, true));
  const end = new Uint8Array(8);
  const ev = new DataView(end.buffer);
  ev.setUint16(0, 0xfffe, true);
  ev.setUint16(2, 0xe0dd, true);
  return concat([head, item(bot), ...fragments.map(item), end]);
}

function swapInPlace(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** PackBits-encodes one byte plane (literal runs only where no repeat of ≥ 3 helps): for RLE tests. */
export function packBits(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && run < 128 && src[i + run] === src[i]) run++;
    if (run >= 3) {
      out.push(257 - run, src[i]!);
      i += run;
      continue;
    }
    const start = i;
    while (i < src.length && i - start < 128 && !(i + 2 < src.length && src[i] === src[i + 1] && src[i] === src[i + 2])) i++;
    out.push(i - start - 1, ...src.subarray(start, i));
  }
  return new Uint8Array(out);
}

/** One DICOM RLE frame (PS3.5 G.3) of little-endian samples: header + one PackBits segment per byte, MSB first. */
export function encodeRleFrame(samples: Samples): Uint8Array {
  const size = samples.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const segments: Uint8Array[] = [];
  for (let s = 0; s < size; s++) {
    const plane = new Uint8Array(samples.length);
    for (let i = 0; i < samples.length; i++) plane[i] = bytes[i * size + (size - 1 - s)]!;
    const seg = packBits(plane);
    segments.push(seg.length % 2 ? concat([seg, new Uint8Array([0x80])]) : seg);
  }
  const header = new Uint8Array(64);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, size, true);
  let offset = 64;
  segments.forEach((seg, s) => {
    hv.setUint32(4 + 4 * s, offset, true);
    offset += seg.length;
  });
  return concat([header, ...segments]);
}

/** The value of an explicit-VR-LE SQ element: items of defined length holding the given elements. */
export function sequenceValue(items: TestElement[][]): Uint8Array {
  return concat(
    items.map((els) => {
      const body = concat([...els].sort((a, b) => a.tag - b.tag).map((e) => encodeElement(e, true, true)));
      const head = new Uint8Array(8);
      const dv = new DataView(head.buffer);
      dv.setUint16(0, 0xfffe, true);
      dv.setUint16(2, 0xe000, true);
      dv.setUint32(4, body.length, true);
      return concat([head, body]);
    }),
  );
}
