/**
 * Lesion insertion: synthetic hemorrhages pasted into real negative CT series at anatomically
 * valid places, with masks and labels in `synth`'s layout (docs/synth.md, "Lesion insertion into
 * real CT").
 */
export { insertLesionsIntoFolder, type InsertOptions, type InsertSummary } from './insert-job.js';
export type { InsertSeriesRecord, InsertSliceRecord } from './insert-series.js';
export { findSliceAnatomy, BONE_HU, type SliceAnatomy, type AnatomySummary } from './anatomy.js';
export { collectSourceSeries, readNegativeIds, MAX_SERIES_SLICES } from './source-series.js';
export type { Lesion, BloodAge } from './lesion-types.js';
