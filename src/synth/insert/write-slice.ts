/**
 * The output DICOM of one slice with inserted blood: the CT Image IOD of `synth` (ct-dataset.ts,
 * written by the strict Part 10 writer) with the source's geometry and pixel encoding —
 * ImagePositionPatient, ImageOrientationPatient, PixelSpacing (row, column), SliceThickness,
 * Rows/Columns, BitsStored/HighBit/PixelRepresentation, RescaleSlope/Intercept, window — and the
 * source's stored values everywhere blood was not added. Blood pixels get the stored value that
 * reads back (with the RSNA 12-bit fix where the source needs it) as the composited HU.
 * New study, series, frame-of-reference and SOP Instance UIDs (derived from the seed and the
 * source UIDs, so they never equal the source's); PatientID is kept, so patient-grouped splits
 * keep an inserted copy with its source patient. ImageType DERIVED\SECONDARY\AXIAL.
 *
 * Transfer syntax: always Explicit VR Little Endian (the writer's), also for compressed sources
 * (CQ500's JPEG Lossless) — the stored values are the source's, only the container changes.
 */
import { formatDs, writeDicomPart10, type DicomElement } from '../dicom-writer.js';
import { buildCtSliceElements, CT_IMAGE_STORAGE, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION } from '../ct-dataset.js';
import { isValidUid } from '../../dicom/write-part10.js';
import type { CtMeta, RawPixels } from '../../dicom/index.js';

export interface InsertedSliceIds {
  patientId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  sopInstanceUid: string;
  studyDate: string;
  studyTime: string;
  /** 1-based position in the output series (ascending s). */
  instanceNumber: number;
  accessionNumber: string;
}

/** The stored value that reads back as `hu` for this source's encoding (clamped to its range). */
export function storedValueFor(meta: CtMeta, hu: number): number {
  const slope = meta.rescaleSlope || 1;
  if (meta.needsRsna12BitFix) {
    // reader: v = (raw + 1000) mod 4096, hu = v · slope − 1000
    const v = Math.max(0, Math.min(4095, Math.round((hu + 1000) / slope)));
    return (v - 1000 + 4096) % 4096;
  }
  const raw = Math.round((hu - meta.rescaleIntercept) / slope);
  const bits = meta.bitsStored;
  const [lo, hi] = meta.pixelRepresentation === 1 ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  return Math.max(lo, Math.min(hi, raw));
}

/** The source's stored values with `changed` pixels replaced by the encoding of `hu`. */
export function storedPixels(meta: CtMeta, raw: RawPixels, hu: Float32Array, changed: Uint8Array): Int16Array | Uint16Array {
  const n = raw.rows * raw.columns;
  const out = meta.pixelRepresentation === 1 ? new Int16Array(n) : new Uint16Array(n);
  for (let k = 0; k < n; k++) out[k] = changed[k] ? storedValueFor(meta, hu[k] as number) : (raw.data[k] as number);
  return out;
}

function replace(elements: DicomElement[], overrides: readonly DicomElement[], remove: readonly number[] = []): DicomElement[] {
  const byTag = new Map(overrides.map((e) => [e.tag, e]));
  const out = elements.filter((e) => !remove.includes(e.tag)).map((e) => byTag.get(e.tag) ?? e);
  for (const e of overrides) if (!out.some((o) => o.tag === e.tag)) out.push(e);
  return out;
}

/** The Part 10 bytes of one output slice. */
export function writeInsertedSlice(meta: CtMeta, ids: InsertedSliceIds, pixels: Int16Array | Uint16Array, thickness: number): Buffer {
  const pos = meta.imagePositionPatient ?? [0, 0, 0];
  const iop = meta.imageOrientationPatient ?? [1, 0, 0, 0, 1, 0];
  const spacing = meta.pixelSpacing ?? [1, 1];
  const base = buildCtSliceElements({
    patientId: ids.patientId,
    patientName: `INSERTED^${ids.patientId}`.slice(0, 64),
    patientSex: 'O',
    patientAge: '000Y',
    studyInstanceUid: ids.studyInstanceUid,
    seriesInstanceUid: ids.seriesInstanceUid,
    sopInstanceUid: ids.sopInstanceUid,
    frameOfReferenceUid: ids.frameOfReferenceUid,
    studyId: '1',
    accessionNumber: ids.accessionNumber,
    studyDate: ids.studyDate,
    studyTime: ids.studyTime,
    instanceNumber: ids.instanceNumber,
    imagePosition: pos,
    pixelSpacing: spacing[0],
    sliceThickness: thickness,
    rows: meta.rows,
    columns: meta.columns,
    encoding: meta.pixelRepresentation === 1 ? 'int16' : 'uint12',
    rescaleIntercept: meta.rescaleIntercept,
    windowCenter: meta.windowCenter ?? 40,
    windowWidth: meta.windowWidth ?? 80,
    kvp: 120,
    pixels,
  });
  const overrides: DicomElement[] = [
    { tag: 0x00080008, vr: 'CS', value: ['DERIVED', 'SECONDARY', 'AXIAL'] },
    { tag: 0x00080070, vr: 'LO', value: 'ichscan' }, // Manufacturer (of this derived image)
    { tag: 0x00081090, vr: 'LO', value: 'ichscan synth --insert-into' },
    { tag: 0x0008103e, vr: 'LO', value: 'LESIONS INSERTED (SYNTHETIC BLOOD)' },
    { tag: 0x00082111, vr: 'ST', value: 'Synthetic hemorrhage inserted into a real CT slice by ichscan synth --insert-into; not a real finding' },
    { tag: 0x00100040, vr: 'CS', value: '' }, // PatientSex unknown (type 2)
    { tag: 0x00180060, vr: 'DS', value: '' }, // KVP unknown (type 2)
    { tag: 0x00200037, vr: 'DS', value: iop.map(formatDs) },
    { tag: 0x00280030, vr: 'DS', value: [formatDs(spacing[0]), formatDs(spacing[1])] },
    { tag: 0x00280101, vr: 'US', value: meta.bitsStored },
    { tag: 0x00280102, vr: 'US', value: meta.bitsStored - 1 },
    { tag: 0x00280103, vr: 'US', value: meta.pixelRepresentation },
    { tag: 0x00281053, vr: 'DS', value: formatDs(meta.rescaleSlope || 1) },
  ];
  // Point back at the source image when its UID is a real one (RSNA's "ID_…" are not).
  if (meta.sopClassUid && isValidUid(meta.sopClassUid) && isValidUid(meta.sopInstanceUid)) {
    overrides.push({
      tag: 0x00082112, // SourceImageSequence
      vr: 'SQ',
      value: [[
        { tag: 0x00081150, vr: 'UI', value: meta.sopClassUid },
        { tag: 0x00081155, vr: 'UI', value: meta.sopInstanceUid },
      ]],
    });
  }
  return writeDicomPart10(
    { mediaStorageSopClassUid: CT_IMAGE_STORAGE, mediaStorageSopInstanceUid: ids.sopInstanceUid, implementationClassUid: IMPLEMENTATION_CLASS_UID, implementationVersionName: IMPLEMENTATION_VERSION },
    replace(base, overrides, [0x00101010]), // PatientAge unknown: left out (type 3)
  );
}
