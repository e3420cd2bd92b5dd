/**
 * The attributes the service needs of a received instance, read from the file's first 256 KiB
 * (header only, pixel data never touched): UIDs to file it, what series selection looks at
 * (modality, SOP class, ImageType, orientation, thickness, kernel, description, contrast, body part), and what QIDO-RS
 * and the worklist answer with (patient, study and series attributes, image size). Text in
 * ISO_IR 192 (UTF-8) is decoded as UTF-8, anything else as Latin-1.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { DataSet } from 'dicom-parser';
import { ichError } from '../core/errors.js';
import { parseDataSet } from '../dicom/parse.js';
import { readContrastEvidence } from '../dicom/contrast.js';
import { notHeadEvidence, readBodyPart } from '../dicom/body-part.js';

export interface InstanceHeader {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sopClassUid: string;
  modality: string;
  /** ImageType values, upper case (e.g. ORIGINAL, PRIMARY, AXIAL). */
  imageType: string[];
  /** ImageOrientationPatient, direction cosines. */
  orientation: number[] | null;
  /** SliceThickness, mm. */
  sliceThicknessMm: number | null;
  convolutionKernel: string;
  seriesDescription: string;
  /** Manufacturer (0008,0070): `ichscan` on the results ichscan writes. */
  manufacturer: string;
  /** Why the header says contrast was given (dicom/contrast.ts); absent = no evidence (and on rows recorded before it was read). */
  contrast?: string;
  /** Why the header says this is not a head CT (dicom/body-part.ts); absent = head or unknown. */
  notHead?: string;
}

/** What QIDO-RS and the worklist answer with, recorded with the header (rows recorded before they were added lack them). */
export interface QueryAttributes {
  /** Study-level attributes for QIDO-RS (empty string when absent; PN as stored, `^`-separated). */
  patientName: string;
  patientId: string;
  patientBirthDate: string;
  patientSex: string;
  /** PatientAge (AS), e.g. `045Y`. */
  patientAge: string;
  studyDate: string;
  studyTime: string;
  accessionNumber: string;
  studyDescription: string;
  studyId: string;
  referringPhysicianName: string;
  seriesNumber: number | null;
  seriesDate: string;
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  /** NumberOfFrames, 1 when absent. */
  numberOfFrames: number;
}

/** Everything `readInstanceHeader` records. */
export type RecordedHeader = InstanceHeader & QueryAttributes;

const HEADER_PREFIX_BYTES = 256 * 1024;

function text(ds: DataSet, tag: string, utf8 = false): string {
  const raw = (ds.string(tag) ?? '').replace(/\0/g, '').trim();
  // dicom-parser maps each byte to one code unit (Latin-1); UTF-8 text is re-decoded from those bytes
  return utf8 ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
}

function integer(ds: DataSet, tag: string): number | null {
  const n = Number.parseInt(text(ds, tag), 10);
  return Number.isFinite(n) ? n : null;
}

function numbers(ds: DataSet, tag: string): number[] {
  const t = text(ds, tag);
  return t === '' ? [] : t.split('\\').map(Number).filter(Number.isFinite);
}

/** ICH_E_BAD_TAG when a UID needed to file the instance is missing; parser errors pass through. */
export function readInstanceHeader(file: string): RecordedHeader {
  const fd = openSync(file, 'r');
  let bytes: Buffer;
  try {
    const buf = Buffer.alloc(HEADER_PREFIX_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    bytes = buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
  const { dataSet: ds } = parseDataSet(bytes, 'received instance', { headerOnly: true });
  const studyUid = text(ds, 'x0020000d');
  const seriesUid = text(ds, 'x0020000e');
  const sopUid = text(ds, 'x00080018');
  if (!studyUid || !seriesUid || !sopUid) throw ichError('ICH_E_BAD_TAG', 'StudyInstanceUID, SeriesInstanceUID and SOPInstanceUID are required');
  const orientation = numbers(ds, 'x00200037');
  const thickness = numbers(ds, 'x00180050');
  const contrast = readContrastEvidence(ds);
  const notHead = notHeadEvidence(readBodyPart(ds));
  return {
    studyUid,
    seriesUid,
    sopUid,
    sopClassUid: text(ds, 'x00080016'),
    modality: text(ds, 'x00080060').toUpperCase(),
    imageType: text(ds, 'x00080008').toUpperCase().split('\\').map((s) => s.trim()).filter(Boolean),
    orientation: orientation.length === 6 ? orientation : null,
    sliceThicknessMm: thickness[0] ?? null,
    convolutionKernel: text(ds, 'x00181210'),
    seriesDescription: text(ds, 'x0008103e'),
    manufacturer: text(ds, 'x00080070'),
    ...(contrast ? { contrast } : {}),
    ...(notHead ? { notHead } : {}),
    ...readQueryAttributes(ds),
  };
}

/** The attributes QIDO-RS and the worklist answer with. */
function readQueryAttributes(ds: DataSet): QueryAttributes {
  const utf8 = text(ds, 'x00080005').toUpperCase().includes('ISO_IR 192');
  const us = (tag: string): number | null => ds.uint16(tag) ?? null;
  return {
    patientName: text(ds, 'x00100010', utf8),
    patientId: text(ds, 'x00100020', utf8),
    patientBirthDate: text(ds, 'x00100030'),
    patientSex: text(ds, 'x00100040').toUpperCase(),
    patientAge: text(ds, 'x00101010').toUpperCase(),
    studyDate: text(ds, 'x00080020'),
    studyTime: text(ds, 'x00080030'),
    accessionNumber: text(ds, 'x00080050', utf8),
    studyDescription: text(ds, 'x00081030', utf8),
    studyId: text(ds, 'x00200010', utf8),
    referringPhysicianName: text(ds, 'x00080090', utf8),
    seriesNumber: integer(ds, 'x00200011'),
    seriesDate: text(ds, 'x00080021'),
    instanceNumber: integer(ds, 'x00200013'),
    rows: us('x00280010'),
    columns: us('x00280011'),
    numberOfFrames: integer(ds, 'x00280008') ?? 1,
  };
}
