/**
 * In-memory DecodedDicom records for preprocessing tests: a CtMeta with the fields the pipeline
 * reads and raw pixels of any typed-array kind. (Not a DICOM file: file-level tests use rsna-dev.)
 */
import type { CtMeta, DecodedDicom, RawPixels } from '../../src/dicom/index.js';
import type { SopInstanceUid } from '../../src/core/ids.js';
import { createRng } from '../../src/core/random.js';

export interface SyntheticOptions {
  rows: number;
  cols: number;
  frames?: number;
  data: RawPixels['data'];
  slope?: number;
  intercept?: number;
  needsRsna12BitFix?: boolean;
}

export function makeDecoded(o: SyntheticOptions): DecodedDicom {
  const frames = o.frames ?? 1;
  const meta: CtMeta = {
    file: 'synthetic.dcm',
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUid: '1.2.3.4' as SopInstanceUid,
    seriesInstanceUid: undefined,
    studyInstanceUid: undefined,
    patientId: undefined,
    modality: 'CT',
    instanceNumber: 1,
    rows: o.rows,
    columns: o.cols,
    frames,
    samplesPerPixel: 1,
    bitsAllocated: o.data.BYTES_PER_ELEMENT * 8,
    bitsStored: o.needsRsna12BitFix ? 12 : o.data.BYTES_PER_ELEMENT * 8,
    highBit: o.needsRsna12BitFix ? 11 : o.data.BYTES_PER_ELEMENT * 8 - 1,
    pixelRepresentation: o.data instanceof Int16Array || o.data instanceof Int8Array || o.data instanceof Int32Array ? 1 : 0,
    photometricInterpretation: 'MONOCHROME2',
    rescaleSlope: o.slope ?? 1,
    rescaleIntercept: o.intercept ?? -1024,
    rescaleSource: 'top-level',
    imagePositionPatient: undefined,
    imageOrientationPatient: undefined,
    pixelSpacing: undefined,
    sliceThickness: undefined,
    windowCenter: undefined,
    windowWidth: undefined,
    needsRsna12BitFix: o.needsRsna12BitFix ?? false,
  };
  return { meta, raw: { data: o.data, rows: o.rows, columns: o.cols, frames } };
}

/**
 * A head-like raw plane (seeded): −2000 padding outside a circle, a bright ring (bone), soft tissue
 * and noise inside, so every window sees clamped and linear values. Stored value = HU + 1024;
 * padding is stored as −2000 in signed arrays (as RSNA does) and 0 in unsigned ones.
 */
export function fillHeadPhantom<T extends RawPixels['data']>(data: T, rows: number, cols: number, seed: number, frame = 0): T {
  const rng = createRng(seed);
  const cy = rows / 2;
  const cx = cols / 2;
  const r = Math.min(rows, cols) * 0.45;
  const pad = data instanceof Int16Array || data instanceof Int32Array ? -2000 : 0;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const d = Math.hypot(y + 0.5 - cy, x + 0.5 - cx);
      const hu = d > r * 0.9 ? 700 + 600 * rng.next() : 20 + 60 * Math.sin(x / 7) * Math.cos(y / 5) + rng.normal(0, 15);
      data[frame * rows * cols + y * cols + x] = d > r ? pad : Math.round(hu + 1024);
    }
  }
  return data;
}
