/**
 * The typed records the DICOM stage hands downstream. Header reading never decodes pixels;
 * decoding returns raw stored values exactly as pydicom's `pixel_array` gives them (no masking to
 * BitsStored beyond what pydicom does, sign applied per PixelRepresentation), one plane per frame.
 */
import type { PatientId, SeriesInstanceUid, SopInstanceUid, StudyInstanceUid } from '../core/ids.js';

/** Where the rescale slope/intercept were found. */
export type RescaleSource = 'top-level' | 'shared-functional-groups' | 'per-frame-functional-groups' | 'default';

export interface CtMeta {
  /** Path as given by the caller (used in error messages). */
  file: string;
  transferSyntaxUid: string;
  sopClassUid: string | undefined;
  sopInstanceUid: SopInstanceUid;
  seriesInstanceUid: SeriesInstanceUid | undefined;
  studyInstanceUid: StudyInstanceUid | undefined;
  patientId: PatientId | undefined;
  modality: string | undefined;
  instanceNumber: number | undefined;
  rows: number;
  columns: number;
  /** NumberOfFrames, 1 when absent. */
  frames: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  photometricInterpretation: string;
  rescaleSlope: number;
  rescaleIntercept: number;
  rescaleSource: RescaleSource;
  /** Patient coordinates of the first voxel, mm. */
  imagePositionPatient: [number, number, number] | undefined;
  imageOrientationPatient: [number, number, number, number, number, number] | undefined;
  /** [row spacing, column spacing] in mm. */
  pixelSpacing: [number, number] | undefined;
  /** mm. */
  sliceThickness: number | undefined;
  /** First value of WindowCenter / WindowWidth, HU. */
  windowCenter: number | undefined;
  windowWidth: number | undefined;
  /** True when the RSNA 12-bit fix applies: BitsStored 12, unsigned, intercept > -100, Modality CT or absent. */
  needsRsna12BitFix: boolean;
  /**
   * Per-frame rescale, only for enhanced multi-frame files whose per-frame functional groups give
   * different values per frame (then `rescaleSlope`/`rescaleIntercept` are frame 0's).
   */
  perFrameRescale?: { slope: number; intercept: number }[];
  /** Why the header says contrast was given (contrast.ts), e.g. `ContrastBolusAgent "ISOVUE300/100"`; absent = no evidence. */
  contrast?: string;
  /** Why the header says this is not a head CT (body-part.ts), e.g. `BodyPartExamined "CHEST"`; absent = head or unknown. */
  notHead?: string;
}

/** Raw stored values of all frames, frame-major: index = f * rows * columns + y * columns + x. */
export interface RawPixels {
  data: Int16Array | Uint16Array | Int32Array | Uint8Array | Int8Array | Uint32Array;
  rows: number;
  columns: number;
  frames: number;
}

export interface DecodedDicom {
  meta: CtMeta;
  raw: RawPixels;
}
