/**
 * A stored Part 10 file → its DICOM JSON model (PS3.18 Annex F) for WADO-RS metadata: every
 * attribute of the dataset (file meta group 0002 left out), sequences nested, text decoded per
 * SpecificCharacterSet (answered as ISO_IR 192, UTF-8), DS/IS as numbers, PN as
 * `{Alphabetic}`. Pixel data becomes a `BulkDataURI` pointing at the instance's frames URL; other
 * binary values (OB/OW/UN…) are `InlineBinary` base64 up to 1 MiB and left without a value above.
 * Parsed with dcmjs 0.52 (it carries the data dictionary implicit-VR files need).
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { toIchError } from '../../core/errors.js';
import type { DicomJsonAttribute, DicomJsonDataset } from './qido-attributes.js';

interface DcmjsElement {
  vr: string;
  Value?: unknown[];
}
type DcmjsDict = Record<string, DcmjsElement>;
interface Dcmjs {
  data: { DicomMessage: { readFile(buffer: ArrayBuffer, options: Record<string, unknown>): { meta: DcmjsDict; dict: DcmjsDict } } };
  log: { setLevel(level: string): void };
}

const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
dcmjs.log.setLevel('silent'); // it warns on every private tag otherwise

const PIXEL_TAGS = new Set(['7FE00010', '7FE00008', '7FE00009']);
const BINARY_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'UN']);
/** Largest binary value sent inline, bytes. */
const MAX_INLINE_BYTES = 1024 * 1024;

function toBytes(values: unknown[]): Buffer {
  return Buffer.concat(values.filter((v): v is ArrayBuffer | ArrayBufferView => v instanceof ArrayBuffer || ArrayBuffer.isView(v)).map((v) => (v instanceof ArrayBuffer ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength))));
}

function convertValue(vr: string, raw: unknown): unknown {
  // trailing padding (space, or NUL for UI) is not part of a text value (PS3.5 §6.2); dcmjs keeps it for some VRs
  const v = typeof raw === 'string' ? raw.replace(/[ \0]+$/, '') : raw;
  if (v === undefined || v === null || v === '') return null;
  if (vr === 'DS' || vr === 'IS') {
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    return Number.isFinite(n) ? n : null;
  }
  if (vr === 'AT' && typeof v === 'number') return v.toString(16).toUpperCase().padStart(8, '0');
  if (vr === 'PN' && typeof v === 'object') {
    const pn = Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([k, s]) => ['Alphabetic', 'Ideographic', 'Phonetic'].includes(k) && typeof s === 'string' && s !== ''));
    return Object.keys(pn).length ? pn : null;
  }
  if (vr === 'PN' && typeof v === 'string') return { Alphabetic: v };
  return v;
}

function convertElement(vr: string, el: DcmjsElement): DicomJsonAttribute {
  const values = el.Value ?? [];
  if (vr === 'SQ') return { vr, Value: values.map((item) => convertDataset(item as DcmjsDict)) }; // zero items: `[]`, as pydicom writes it
  if (BINARY_VRS.has(vr)) {
    const bytes = toBytes(values);
    return bytes.length > 0 && bytes.length <= MAX_INLINE_BYTES ? { vr, InlineBinary: bytes.toString('base64') } : { vr };
  }
  const converted = values.map((v) => convertValue(vr, v));
  return converted.some((v) => v !== null) ? { vr, Value: converted } : { vr };
}

function convertDataset(dict: DcmjsDict, pixelUri?: string): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const [tag, el] of Object.entries(dict)) {
    const t = tag.toUpperCase();
    if (t.startsWith('0002')) continue;
    const vr = el.vr === 'ox' || el.vr === 'xs' ? 'OW' : el.vr;
    if (PIXEL_TAGS.has(t) && pixelUri !== undefined) out[t] = { vr, BulkDataURI: pixelUri };
    else out[t] = convertElement(vr, el);
  }
  return out;
}

/** The DICOM JSON of a stored file; `pixelUri` is where its pixel data can be fetched. ICH_E_BAD_TAG when dcmjs cannot read it. */
export async function readDicomJson(path: string, pixelUri: string): Promise<DicomJsonDataset> {
  const buf = await readFile(path);
  try {
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    const { dict } = dcmjs.data.DicomMessage.readFile(ab, { untilTag: '7FE00010', includeUntilTagValue: false, ignoreErrors: true });
    return convertDataset(dict, pixelUri);
  } catch (e) {
    throw toIchError(e, 'ICH_E_BAD_TAG', 'stored instance');
  }
}
