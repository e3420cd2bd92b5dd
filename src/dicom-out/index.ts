/**
 * The dicom-out stage: results as DICOM (docs/dicom-results.md) — a TID 1500 Comprehensive 3D SR,
 * a BINARY SEG, Secondary Capture key images and a Key Object Selection, in new series of the
 * source study.
 */
export { writeDicomResults, studyFolderName } from './write-results.js';
export type { DicomResultOptions, DicomResults, HemorrhageSubtype, ResultKind, ResultSlice, ResultStudy, WrittenResult } from './types.js';
export { checkUidRoot, deriveResultUid, MAX_UID_ROOT_LENGTH } from './uids.js';
export { CODES, SUBTYPE_CODING, type Code } from './codes.js';
export { NOT_FOR_DIAGNOSTIC_USE } from './common.js';
