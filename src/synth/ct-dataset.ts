/**
 * The attributes of one synthetic CT Image Storage instance (CT Image IOD, PS3.3 A.3): Patient,
 * General Study, Patient Study, General Series, Frame of Reference, General Equipment, General
 * Image, Image Plane, Image Pixel, CT Image, VOI LUT and SOP Common modules. Dates and times are
 * fixed per study (derived from the seed), never the clock, so output is reproducible.
 */
import type { DicomElement } from './dicom-writer.js';
import { formatDs, writeDicomPart10 } from './dicom-writer.js';
import type { PixelEncoding } from './types.js';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
/** ichscan's implementation class UID (a fixed 2.25 UID). */
export const IMPLEMENTATION_CLASS_UID = '2.25.160341826945382457162215453357935062437';
export const IMPLEMENTATION_VERSION = 'ICHSCAN_SYNTH_1';

export interface CtSliceAttributes {
  patientId: string;
  /** Synthetic patient name (no real person): e.g. `SYNTH^ID_0a1b2c3d4`. */
  patientName: string;
  patientSex: 'M' | 'F' | 'O';
  /** e.g. `063Y`. */
  patientAge: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frameOfReferenceUid: string;
  studyId: string;
  accessionNumber: string;
  /** YYYYMMDD, HHMMSS. */
  studyDate: string;
  studyTime: string;
  instanceNumber: number;
  /** Patient coordinates of the first pixel's centre, mm. */
  imagePosition: [number, number, number];
  /** mm. */
  pixelSpacing: number;
  sliceThickness: number;
  rows: number;
  columns: number;
  encoding: PixelEncoding;
  rescaleIntercept: number;
  windowCenter: number;
  windowWidth: number;
  kvp: number;
  pixels: Int16Array | Uint16Array;
}

function pixelModule(a: CtSliceAttributes): DicomElement[] {
  const signed = a.encoding === 'int16';
  const bitsStored = signed ? 16 : 12;
  const bytes = new Uint8Array(a.pixels.buffer, a.pixels.byteOffset, a.pixels.byteLength);
  return [
    { tag: 0x00280002, vr: 'US', value: 1 }, // SamplesPerPixel
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: a.rows },
    { tag: 0x00280011, vr: 'US', value: a.columns },
    { tag: 0x00280030, vr: 'DS', value: [formatDs(a.pixelSpacing), formatDs(a.pixelSpacing)] },
    { tag: 0x00280100, vr: 'US', value: 16 }, // BitsAllocated
    { tag: 0x00280101, vr: 'US', value: bitsStored },
    { tag: 0x00280102, vr: 'US', value: bitsStored - 1 }, // HighBit
    { tag: 0x00280103, vr: 'US', value: signed ? 1 : 0 }, // PixelRepresentation
    { tag: 0x00281050, vr: 'DS', value: formatDs(a.windowCenter) },
    { tag: 0x00281051, vr: 'DS', value: formatDs(a.windowWidth) },
    { tag: 0x00281052, vr: 'DS', value: formatDs(a.rescaleIntercept) },
    { tag: 0x00281053, vr: 'DS', value: '1' },
    { tag: 0x00281054, vr: 'LO', value: 'HU' }, // RescaleType
    { tag: 0x7fe00010, vr: 'OW', value: bytes },
  ];
}

/** All elements of the dataset (no file meta). */
export function buildCtSliceElements(a: CtSliceAttributes): DicomElement[] {
  const pos = a.imagePosition.map(formatDs);
  return [
    { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 100' },
    { tag: 0x00080008, vr: 'CS', value: ['ORIGINAL', 'PRIMARY', 'AXIAL'] },
    { tag: 0x00080016, vr: 'UI', value: CT_IMAGE_STORAGE },
    { tag: 0x00080018, vr: 'UI', value: a.sopInstanceUid },
    { tag: 0x00080020, vr: 'DA', value: a.studyDate },
    { tag: 0x00080021, vr: 'DA', value: a.studyDate }, // SeriesDate
    { tag: 0x00080022, vr: 'DA', value: a.studyDate }, // AcquisitionDate
    { tag: 0x00080023, vr: 'DA', value: a.studyDate }, // ContentDate
    { tag: 0x00080030, vr: 'TM', value: a.studyTime },
    { tag: 0x00080031, vr: 'TM', value: a.studyTime },
    { tag: 0x00080032, vr: 'TM', value: a.studyTime },
    { tag: 0x00080033, vr: 'TM', value: a.studyTime },
    { tag: 0x00080050, vr: 'SH', value: a.accessionNumber },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00080070, vr: 'LO', value: 'ichscan synthetic phantom' }, // Manufacturer
    { tag: 0x00080090, vr: 'PN', value: '' }, // ReferringPhysicianName
    { tag: 0x00081030, vr: 'LO', value: 'CT HEAD WITHOUT CONTRAST' },
    { tag: 0x0008103e, vr: 'LO', value: 'AXIAL 5MM BRAIN' },
    { tag: 0x00081090, vr: 'LO', value: 'ichscan synth' }, // ManufacturerModelName
    { tag: 0x00100010, vr: 'PN', value: a.patientName },
    { tag: 0x00100020, vr: 'LO', value: a.patientId },
    { tag: 0x00100030, vr: 'DA', value: '' }, // PatientBirthDate
    { tag: 0x00100040, vr: 'CS', value: a.patientSex },
    { tag: 0x00101010, vr: 'AS', value: a.patientAge },
    { tag: 0x00180015, vr: 'CS', value: 'HEAD' }, // BodyPartExamined
    { tag: 0x00180050, vr: 'DS', value: formatDs(a.sliceThickness) },
    { tag: 0x00180060, vr: 'DS', value: formatDs(a.kvp) },
    { tag: 0x00185100, vr: 'CS', value: 'HFS' }, // PatientPosition
    { tag: 0x0020000d, vr: 'UI', value: a.studyInstanceUid },
    { tag: 0x0020000e, vr: 'UI', value: a.seriesInstanceUid },
    { tag: 0x00200010, vr: 'SH', value: a.studyId },
    { tag: 0x00200011, vr: 'IS', value: '1' }, // SeriesNumber
    { tag: 0x00200012, vr: 'IS', value: '1' }, // AcquisitionNumber
    { tag: 0x00200013, vr: 'IS', value: String(a.instanceNumber) },
    { tag: 0x00200032, vr: 'DS', value: pos },
    { tag: 0x00200037, vr: 'DS', value: ['1', '0', '0', '0', '1', '0'] },
    { tag: 0x00200052, vr: 'UI', value: a.frameOfReferenceUid },
    { tag: 0x00201040, vr: 'LO', value: '' }, // PositionReferenceIndicator
    { tag: 0x00201041, vr: 'DS', value: formatDs(a.imagePosition[2]) }, // SliceLocation
    ...pixelModule(a),
  ];
}

/** The complete Part 10 file of one slice. */
export function writeCtSliceFile(a: CtSliceAttributes): Buffer {
  return writeDicomPart10(
    {
      mediaStorageSopClassUid: CT_IMAGE_STORAGE,
      mediaStorageSopInstanceUid: a.sopInstanceUid,
      implementationClassUid: IMPLEMENTATION_CLASS_UID,
      implementationVersionName: IMPLEMENTATION_VERSION,
    },
    buildCtSliceElements(a),
  );
}
