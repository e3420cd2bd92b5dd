/**
 * Branded identifier types, so a SeriesInstanceUID can never be passed where a
 * SOPInstanceUID is expected. Brands cost nothing at run time.
 */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type SopInstanceUid = Brand<string, 'SopInstanceUid'>;
export type SeriesInstanceUid = Brand<string, 'SeriesInstanceUid'>;
export type StudyInstanceUid = Brand<string, 'StudyInstanceUid'>;
export type PatientId = Brand<string, 'PatientId'>;
/** Kaggle image id, `ID_` + hex, e.g. `ID_000039fa0`; the file stem in the RSNA download. */
export type ImageId = Brand<string, 'ImageId'>;

export const asSopInstanceUid = (s: string): SopInstanceUid => s as SopInstanceUid;
export const asSeriesInstanceUid = (s: string): SeriesInstanceUid => s as SeriesInstanceUid;
export const asStudyInstanceUid = (s: string): StudyInstanceUid => s as StudyInstanceUid;
export const asPatientId = (s: string): PatientId => s as PatientId;
export const asImageId = (s: string): ImageId => s as ImageId;

const IMAGE_ID_RE = /^ID_[0-9a-f]+$/i;
export function isImageId(s: string): s is ImageId {
  return IMAGE_ID_RE.test(s);
}
