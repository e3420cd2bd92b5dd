/**
 * Before anything is written: reads every scored slice's source and checks that the study can be
 * written as one set of result objects. Errors name the study and the files:
 * - ICH_E_STUDY_INCONSISTENT: a copied patient/study attribute differs between slices, or a source
 *   is not in the Study/Series it was scored for, or slices name different frames of reference;
 * - ICH_E_BAD_DIMENSIONS: a label map does not match its source's Rows × Columns, or slices differ in size;
 * - ICH_E_NO_GEOMETRY: a slice with blood (a SEG frame) lacks position, orientation or spacing;
 * - ICH_E_MIXED_ORIENTATION: slices differ in orientation or pixel spacing.
 * Documented fallbacks for RSNA-like sources: without a FrameOfReferenceUID, one derived from the
 * source series UID under the UID root (the same for every object of that series); without a
 * SliceThickness, the median spacing of the slice positions.
 */
import { ichError } from '../core/errors.js';
import { slicePosition } from '../dicom/geometry.js';
import { HEMORRHAGE_SUBTYPES } from '../core/subtypes.js';
import { COPIED_ATTRIBUTES, readSourceSlice, type SourceSlice } from './read-source.js';
import type { ResultStudy } from './types.js';
import { deriveResultUid } from './uids.js';

/** Direction cosines / spacings closer than this count as equal (DS text rounds at ~1e-6). */
const GEOMETRY_TOLERANCE = 1e-4;

export interface CheckedStudy {
  sources: SourceSlice[];
  frameOfReferenceUid: string;
  /** False when derived (the sources have none). */
  frameOfReferenceFromSource: boolean;
  /** Shared by every slice that has one (checked); undefined when no slice has geometry. */
  orientation: SourceSlice['orientation'];
  pixelSpacing: SourceSlice['pixelSpacing'];
  sliceThickness: number | undefined;
}

function sameNumbers(a: readonly number[], b: readonly number[], tolerance: number): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] as number)) <= tolerance);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}

function hasBlood(labels: Uint8Array): boolean {
  for (let k = 0; k < labels.length; k++) if (labels[k] !== 0) return true;
  return false;
}

/**
 * Fallback SliceThickness (mm) for sources without one (RSNA's): the median distance between
 * adjacent slice positions along the normal. The SEG's PixelMeasures needs a thickness (type 1C
 * for volumetric segmentations); undefined with fewer than two positioned slices.
 */
function medianSpacing(sources: readonly SourceSlice[]): number | undefined {
  const z = sources.filter((s) => s.position && s.orientation).map((s) => slicePosition({ imagePositionPatient: s.position, imageOrientationPatient: s.orientation }) as number).sort((a, b) => a - b);
  const gaps = z.slice(1).map((v, i) => v - (z[i] as number)).filter((g) => g > 1e-3).sort((a, b) => a - b);
  return gaps.length === 0 ? undefined : Number((gaps[Math.floor(gaps.length / 2)] as number).toFixed(4));
}

/** Reads and checks the sources of `study`; see the module comment for the errors. */
export function checkResultStudy(study: ResultStudy, uidRoot: string): CheckedStudy {
  const where = `study ${study.studyInstanceUid}`;
  if (study.slices.length === 0) throw ichError('ICH_E_EMPTY_DATASET', `${where}: no scored slices to write results for`);
  const sources = study.slices.map((s) => readSourceSlice(s.file, s.frame));
  const first = sources[0] as SourceSlice;
  let orientation: SourceSlice['orientation'];
  let pixelSpacing: SourceSlice['pixelSpacing'];
  let geometryFile = '';
  study.slices.forEach((slice, i) => {
    const src = sources[i] as SourceSlice;
    const file = slice.file;
    if (src.studyInstanceUid !== study.studyInstanceUid) throw ichError('ICH_E_STUDY_INCONSISTENT', `${where}: StudyInstanceUID is "${src.studyInstanceUid}"`, { file });
    if (src.seriesInstanceUid !== study.seriesInstanceUid) throw ichError('ICH_E_STUDY_INCONSISTENT', `${where}: SeriesInstanceUID is "${src.seriesInstanceUid}", expected "${study.seriesInstanceUid}"`, { file });
    for (const a of COPIED_ATTRIBUTES) {
      if (!sameBytes(src.copied.get(a.tag), first.copied.get(a.tag))) {
        throw ichError('ICH_E_STUDY_INCONSISTENT', `${where}: ${a.name} differs from ${first.file}`, { file });
      }
    }
    if (src.frameOfReferenceUid !== first.frameOfReferenceUid) throw ichError('ICH_E_STUDY_INCONSISTENT', `${where}: FrameOfReferenceUID differs from ${first.file}`, { file });
    if (src.rows !== slice.rows || src.columns !== slice.columns || slice.labels.length !== slice.rows * slice.columns) {
      throw ichError('ICH_E_BAD_DIMENSIONS', `${where}: labels are ${slice.rows}×${slice.columns} (${slice.labels.length} values), the source is ${src.rows}×${src.columns}`, { file });
    }
    const size0 = study.slices[0] as ResultStudy['slices'][number];
    if (slice.rows !== size0.rows || slice.columns !== size0.columns) {
      throw ichError('ICH_E_BAD_DIMENSIONS', `${where}: ${slice.rows}×${slice.columns}, the first slice is ${size0.rows}×${size0.columns} (one SEG needs one size)`, { file });
    }
    const badLabel = slice.labels.find((v) => v > HEMORRHAGE_SUBTYPES.length);
    if (badLabel !== undefined) throw ichError('ICH_E_INTERNAL', `${where}: label value ${badLabel} is not 0..${HEMORRHAGE_SUBTYPES.length}`, { file });
    const complete = src.position && src.orientation && src.pixelSpacing;
    if (!complete) {
      if (hasBlood(slice.labels)) throw ichError('ICH_E_NO_GEOMETRY', `${where}: ${!src.position ? 'ImagePositionPatient' : !src.orientation ? 'ImageOrientationPatient' : 'PixelSpacing'} is missing on a slice with blood`, { file });
      return;
    }
    if (!orientation || !pixelSpacing) {
      orientation = src.orientation;
      pixelSpacing = src.pixelSpacing;
      geometryFile = file;
      return;
    }
    if (!sameNumbers(orientation, src.orientation as number[], GEOMETRY_TOLERANCE)) throw ichError('ICH_E_MIXED_ORIENTATION', `${where}: ImageOrientationPatient differs from ${geometryFile}`, { file });
    if (!sameNumbers(pixelSpacing, src.pixelSpacing as number[], GEOMETRY_TOLERANCE)) throw ichError('ICH_E_MIXED_ORIENTATION', `${where}: PixelSpacing differs from ${geometryFile}`, { file });
  });
  for (const k of study.keyImages) {
    if (!Number.isInteger(k.sliceIndex) || k.sliceIndex < 0 || k.sliceIndex >= study.slices.length) throw ichError('ICH_E_INTERNAL', `${where}: key image slice index ${k.sliceIndex} is not a scored slice`);
    const [h, w, c] = k.rgb.shape;
    if (c !== 3 || h < 1 || w < 1 || k.rgb.data.length !== h * w * 3) throw ichError('ICH_E_INTERNAL', `${where}: key image ${k.sliceIndex} is not an RGB image (${h}×${w}×${c})`);
  }
  const fromSource = first.frameOfReferenceUid !== undefined;
  const thickness = sources.find((s) => s.sliceThickness !== undefined)?.sliceThickness ?? medianSpacing(sources);
  return {
    sources,
    frameOfReferenceUid: first.frameOfReferenceUid ?? deriveResultUid(uidRoot, 'frame-of-reference', study.studyInstanceUid, study.seriesInstanceUid),
    frameOfReferenceFromSource: fromSource,
    orientation,
    pixelSpacing,
    sliceThickness: thickness,
  };
}
