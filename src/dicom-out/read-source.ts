/**
 * Reads what the result objects copy from a scored source slice, leniently (any transfer syntax
 * the DICOM stage parses, header only): the Patient, Patient Study and General Study attributes
 * as raw bytes (so names in the source's character set and RSNA's `ID_…` UIDs are copied exactly),
 * SOP Class/Instance UID, Rows/Columns, and the plane geometry of the scored frame (top level, else
 * the enhanced per-frame / shared functional groups).
 */
import { readFileSync } from 'node:fs';
import type { DataSet, Element } from 'dicom-parser';
import { ichError, toIchError } from '../core/errors.js';
import { parseDataSet } from '../dicom/parse.js';
import { functionalGroupsOf } from '../dicom/functional-groups.js';
import type { DicomElement, WritableVr } from '../dicom/write-part10.js';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/** One attribute copied from the source into every result object. */
interface CopiedAttribute {
  tag: number;
  vr: WritableVr;
  name: string;
  /** Type 2 in the result IODs: written empty when the source lacks it. */
  required: boolean;
}

/** Patient (C.7.1.1), Patient Study (C.7.2.2) and General Study (C.7.2.1) attributes copied as they are. */
export const COPIED_ATTRIBUTES: readonly CopiedAttribute[] = [
  { tag: 0x00080005, vr: 'CS', name: 'SpecificCharacterSet', required: false },
  { tag: 0x00080020, vr: 'DA', name: 'StudyDate', required: true },
  { tag: 0x00080030, vr: 'TM', name: 'StudyTime', required: true },
  { tag: 0x00080050, vr: 'SH', name: 'AccessionNumber', required: true },
  { tag: 0x00080090, vr: 'PN', name: 'ReferringPhysicianName', required: true },
  { tag: 0x00081030, vr: 'LO', name: 'StudyDescription', required: false },
  { tag: 0x00100010, vr: 'PN', name: 'PatientName', required: true },
  { tag: 0x00100020, vr: 'LO', name: 'PatientID', required: true },
  { tag: 0x00100021, vr: 'LO', name: 'IssuerOfPatientID', required: false },
  { tag: 0x00100030, vr: 'DA', name: 'PatientBirthDate', required: true },
  { tag: 0x00100040, vr: 'CS', name: 'PatientSex', required: true },
  { tag: 0x00101010, vr: 'AS', name: 'PatientAge', required: false },
  { tag: 0x00101020, vr: 'DS', name: 'PatientSize', required: false },
  { tag: 0x00101030, vr: 'DS', name: 'PatientWeight', required: false },
  { tag: 0x00120062, vr: 'CS', name: 'PatientIdentityRemoved', required: false },
  { tag: 0x00120063, vr: 'LO', name: 'DeidentificationMethod', required: false },
  { tag: 0x00200010, vr: 'SH', name: 'StudyID', required: true },
];

export interface SourceSlice {
  file: string;
  /** 0-based frame scored. */
  frame: number;
  /** NumberOfFrames of the source (1 for single-frame). */
  frames: number;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  rows: number;
  columns: number;
  /** ImagePositionPatient of the frame, mm (patient coordinates); undefined when absent. */
  position: [number, number, number] | undefined;
  /** ImageOrientationPatient: row then column direction cosines. */
  orientation: [number, number, number, number, number, number] | undefined;
  /** PixelSpacing: row spacing then column spacing, mm. */
  pixelSpacing: [number, number] | undefined;
  sliceThickness: number | undefined;
  frameOfReferenceUid: string | undefined;
  /** The COPIED_ATTRIBUTES present in the source (raw, trailing padding removed), keyed by tag. */
  copied: Map<number, Uint8Array>;
}


function tagKey(tag: number): string {
  return `x${tag.toString(16).padStart(8, '0')}`;
}

function rawValue(ds: DataSet, tag: number): Uint8Array | undefined {
  const el: Element | undefined = ds.elements[tagKey(tag)];
  if (!el || el.length === undefined || el.length < 0 || el.dataOffset === undefined) return undefined;
  const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x00)) end--;
  return Uint8Array.from(bytes.subarray(0, end));
}

function text(ds: DataSet, tag: number): string | undefined {
  const raw = rawValue(ds, tag);
  if (raw === undefined) return undefined;
  const s = Buffer.from(raw).toString('latin1').trim();
  return s === '' ? undefined : s;
}

function numbers(ds: DataSet | undefined, tag: number, count: number): number[] | undefined {
  if (!ds) return undefined;
  const s = text(ds, tag);
  if (s === undefined) return undefined;
  const v = s.split('\\').map((x) => Number(x.trim()));
  return v.length === count && v.every(Number.isFinite) ? v : undefined;
}

/** The first item's dataset of sequence `seq` inside `ds`. */
function firstItem(ds: DataSet | undefined, seq: number): DataSet | undefined {
  return ds?.elements[tagKey(seq)]?.items?.[0]?.dataSet;
}

/** A value from the per-frame group of `frame`, else the shared groups (enhanced multi-frame objects). */
function numbersInGroups(ds: DataSet, frame: number, seq: number, tag: number, count: number): number[] | undefined {
  const { shared, perFrame } = functionalGroupsOf(ds, frame);
  return numbers(firstItem(perFrame, seq), tag, count) ?? numbers(firstItem(shared, seq), tag, count);
}

/** Reads one source slice; throws the DICOM stage's coded errors (ICH_E_FILE_READ, ICH_E_NOT_DICOM, …). */
export function readSourceSlice(file: string, frame: number): SourceSlice {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw toIchError(e, 'ICH_E_FILE_READ', file);
  }
  const { dataSet: ds } = parseDataSet(bytes, file, { headerOnly: true });
  const framesText = text(ds, 0x00280008);
  const frames = framesText === undefined ? 1 : Number.parseInt(framesText, 10);
  if (!Number.isInteger(frame) || frame < 0 || frame >= Math.max(1, frames)) throw ichError('ICH_E_BAD_DIMENSIONS', `frame ${frame} not in a source of ${frames} frame(s)`, { file });
  const copied = new Map<number, Uint8Array>();
  for (const a of COPIED_ATTRIBUTES) {
    const v = rawValue(ds, a.tag);
    if (v !== undefined) copied.set(a.tag, v);
  }
  const sopInstanceUid = text(ds, 0x00080018) ?? text(ds, 0x00020003);
  if (sopInstanceUid === undefined) throw ichError('ICH_E_BAD_TAG', 'SOPInstanceUID (0008,0018) is missing', { file });
  return {
    file,
    frame,
    frames: Number.isInteger(frames) && frames > 0 ? frames : 1,
    // RSNA files carry the SOP Class only in the meta header; CT Image Storage when neither has it.
    sopClassUid: text(ds, 0x00080016) ?? text(ds, 0x00020002) ?? CT_IMAGE_STORAGE,
    sopInstanceUid,
    studyInstanceUid: text(ds, 0x0020000d) ?? '',
    seriesInstanceUid: text(ds, 0x0020000e) ?? '',
    rows: ds.uint16('x00280010') ?? 0,
    columns: ds.uint16('x00280011') ?? 0,
    position: (numbers(ds, 0x00200032, 3) ?? numbersInGroups(ds, frame, 0x00209113, 0x00200032, 3)) as SourceSlice['position'],
    orientation: (numbers(ds, 0x00200037, 6) ?? numbersInGroups(ds, frame, 0x00209116, 0x00200037, 6)) as SourceSlice['orientation'],
    pixelSpacing: (numbers(ds, 0x00280030, 2) ?? numbersInGroups(ds, frame, 0x00289110, 0x00280030, 2)) as SourceSlice['pixelSpacing'],
    sliceThickness: numbers(ds, 0x00180050, 1)?.[0] ?? numbersInGroups(ds, frame, 0x00289110, 0x00180050, 1)?.[0],
    frameOfReferenceUid: text(ds, 0x00200052),
    copied,
  };
}

/**
 * The copied Patient/Study elements for a result object: each present attribute as it is in the
 * source, absent Type 2 ones empty; StudyInstanceUID as given (copied as is, valid or not).
 */
export function copiedStudyElements(source: SourceSlice, studyInstanceUid: string): DicomElement[] {
  const out: DicomElement[] = [{ tag: 0x0020000d, vr: 'UI', value: studyInstanceUid, copied: true }];
  for (const a of COPIED_ATTRIBUTES) {
    const v = source.copied.get(a.tag);
    if (v !== undefined && v.length > 0) out.push({ tag: a.tag, vr: a.vr, value: v, copied: true });
    else if (a.required) out.push({ tag: a.tag, vr: a.vr, value: '' });
  }
  // PatientIdentityRemoved YES makes DeidentificationMethod type 1C; some sources (CQ500) omit it.
  // Say so truthfully rather than invent a method, so the results stay valid.
  const removed = source.copied.get(0x00120062);
  if (removed && Buffer.from(removed).toString('latin1').trim() === 'YES' && !source.copied.get(0x00120063)?.length) {
    out.push({ tag: 0x00120063, vr: 'LO', value: 'Not recorded in the source images' });
  }
  return out;
}
