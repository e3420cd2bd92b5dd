/**
 * A small DICOM Part 10 reader for the browser: enough to read a Segmentation object (PS3.5).
 * Explicit VR Little Endian (what ichscan writes) and Implicit VR Little Endian; sequences and
 * items of defined or undefined length. Values stay as views into the file (no copies).
 * Not handled: big endian, deflate, encapsulated (compressed) pixel data — they throw.
 */
export interface Element {
  tag: number;
  vr: string;
  /** The value bytes (empty for sequences). */
  bytes: Uint8Array;
  /** Sequence items (SQ only). */
  items?: DataSet[];
}

export type DataSet = Map<number, Element>;

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
/** VRs whose explicit header has 2 reserved bytes and a 4-byte length (PS3.5 7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
/** Sequences the viewer reads, for implicit VR files (which carry no VR). */
const KNOWN_SEQUENCES = new Set([0x00620002, 0x52009229, 0x52009230, 0x00089124, 0x00082112, 0x0062000a, 0x00209111, 0x00209113, 0x00081115, 0x0008114a, 0x00289110, 0x00209116]);
/** US elements the viewer reads, for implicit VR files. */
const KNOWN_US = new Set([0x00280010, 0x00280011, 0x00280100, 0x00620004, 0x0062000b]);
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    readonly view: DataView,
    public at: number,
    readonly explicit: boolean,
  ) {}

  readTag(): number {
    const group = this.view.getUint16(this.at, true);
    const element = this.view.getUint16(this.at + 2, true);
    this.at += 4;
    return ((group << 16) | element) >>> 0;
  }

  readU32(): number {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
}

function readVrAndLength(c: Cursor, tag: number): { vr: string; length: number } {
  if (!c.explicit || tag >>> 16 === 0xfffe) return { vr: KNOWN_SEQUENCES.has(tag) ? 'SQ' : KNOWN_US.has(tag) ? 'US' : 'UN', length: c.readU32() };
  const vr = String.fromCharCode(c.bytes[c.at] as number, c.bytes[c.at + 1] as number);
  c.at += 2;
  if (LONG_VRS.has(vr)) {
    c.at += 2;
    return { vr, length: c.readU32() };
  }
  const length = c.view.getUint16(c.at, true);
  c.at += 2;
  return { vr, length };
}

function readItems(c: Cursor, length: number): DataSet[] {
  const items: DataSet[] = [];
  const end = length === UNDEFINED ? c.bytes.length : c.at + length;
  while (c.at < end) {
    const tag = c.readTag();
    const itemLength = c.readU32();
    if (tag === SEQUENCE_END) break;
    if (tag !== ITEM) throw new Error(`expected an item, found tag ${tag.toString(16)}`);
    items.push(readDataSet(c, itemLength === UNDEFINED ? c.bytes.length : c.at + itemLength, itemLength === UNDEFINED));
  }
  return items;
}

function readDataSet(c: Cursor, end: number, untilItemEnd: boolean): DataSet {
  const ds: DataSet = new Map();
  while (c.at + 8 <= end) {
    const tag = c.readTag();
    if (tag === ITEM_END) {
      c.at += 4;
      if (untilItemEnd) break;
      continue;
    }
    const { vr, length } = readVrAndLength(c, tag);
    if (vr === 'SQ' || (vr === 'UN' && length === UNDEFINED)) {
      ds.set(tag, { tag, vr: 'SQ', bytes: new Uint8Array(0), items: readItems(c, length) });
      continue;
    }
    if (length === UNDEFINED) throw new Error(`undefined length on ${tag.toString(16)} (encapsulated pixel data is not read here)`);
    if (c.at + length > c.bytes.length) throw new Error(`element ${tag.toString(16)} runs past the end of the file`);
    ds.set(tag, { tag, vr, bytes: c.bytes.subarray(c.at, c.at + length) });
    c.at += length;
  }
  return ds;
}

/** Parses a Part 10 file (128-byte preamble, "DICM", meta group, data set). */
export function readPart10(file: Uint8Array): DataSet {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (String.fromCharCode(...file.subarray(128, 132)) !== 'DICM') throw new Error('not a DICOM Part 10 file (no DICM at 128)');
  const meta = new Cursor(file, view, 132, true);
  const metaDs: DataSet = new Map();
  while (meta.at + 8 <= file.length && view.getUint16(meta.at, true) === 0x0002) {
    const tag = meta.readTag();
    const { vr, length } = readVrAndLength(meta, tag);
    metaDs.set(tag, { tag, vr, bytes: file.subarray(meta.at, meta.at + length) });
    meta.at += length;
  }
  const ts = readString(metaDs, 0x00020010);
  if (ts !== EXPLICIT_LE && ts !== IMPLICIT_LE) throw new Error(`transfer syntax ${ts} is not read by the viewer`);
  const body = new Cursor(file, view, meta.at, ts === EXPLICIT_LE);
  return readDataSet(body, file.length, false);
}

/** A text value, trailing padding (space or NUL) removed; '' when absent. */
export function readString(ds: DataSet, tag: number): string {
  const e = ds.get(tag);
  if (!e) return '';
  return new TextDecoder('latin1').decode(e.bytes).replace(/[\0 ]+$/, '');
}

/** A US (or IS/DS text) value as a number; undefined when absent. */
export function readNumber(ds: DataSet, tag: number): number | undefined {
  const e = ds.get(tag);
  if (!e) return undefined;
  if (e.vr === 'US' && e.bytes.length >= 2) return e.bytes[0]! | (e.bytes[1]! << 8);
  if (e.vr === 'UL' && e.bytes.length >= 4) return new DataView(e.bytes.buffer, e.bytes.byteOffset, 4).getUint32(0, true);
  const n = Number(readString(ds, tag));
  return Number.isFinite(n) ? n : undefined;
}

/** The items of a sequence ([] when absent). */
export function readItemsOf(ds: DataSet, tag: number): DataSet[] {
  return ds.get(tag)?.items ?? [];
}
