/**
 * The strict Part 10 writer synth uses; it lives in src/dicom (write-part10.ts) because the results
 * writers of src/dicom-out share it. Kept here so synth's imports stay as they were.
 */
export { writeDicomPart10, formatDs, EXPLICIT_VR_LITTLE_ENDIAN } from '../dicom/write-part10.js';
export type { DicomElement, WritableVr, FileMetaInput } from '../dicom/write-part10.js';
