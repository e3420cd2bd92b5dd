/**
 * The synthetic head-CT generator: phantom anatomy, hemorrhages per subtype, scanner effects,
 * strict DICOM writing, masks and labels (see docs/synth.md).
 */
export { generateSynthDataset, writeSynthStudy } from './generate.js';
export { STATE_DIR } from './job-folder.js';
export type { SynthOptions, SynthSummary, PixelEncoding, HemorrhageSubtype, SubtypeRecord } from './types.js';
export type { StudyRecord, SliceRecord } from './records.js';
export { planStudy, renderStudySlice, isPositiveStudy, SLICE_THICKNESS_MM, FIELD_OF_VIEW_MM, type StudyPlan, type RenderedSlice } from './study-plan.js';
export { encodeSliceMask, decodeSliceMask, countMaskBits, type SliceMask } from './masks.js';
export { SUBTYPE_BIT } from './hemorrhage.js';
export { deriveImageId, deriveUid, derivePatientId } from './ids.js';
export { writeDicomPart10, type DicomElement } from './dicom-writer.js';
