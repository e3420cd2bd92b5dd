/**
 * Tiny CT files for data-stage tests: a few pixels, chosen UIDs and z, and one constant HU value per
 * slice so a test can tell from a loaded tensor which slice a channel came from. Written with the
 * synth stage's strict Part 10 writer (Explicit VR Little Endian, int16, intercept −1024).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeDicomPart10, type DicomElement } from '../../../src/synth/dicom-writer.js';

export interface TinySlice {
  /** File name relative to the folder, e.g. `p1/ID_00a1.dcm`. */
  name: string;
  patientId: string;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  /** ImagePositionPatient[2], mm. */
  z: number;
  /** Every pixel's HU value. */
  hu: number;
  size?: number;
  /** Bytes of a private OB element placed before pixel data (to push the header past 64 KiB). */
  padHeaderBytes?: number;
}

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export function tinyCtBytes(s: TinySlice): Buffer {
  const n = s.size ?? 8;
  const px = new Int16Array(n * n).fill(s.hu + 1024);
  const elements: DicomElement[] = [
    { tag: 0x00080016, vr: 'UI', value: CT_IMAGE_STORAGE },
    { tag: 0x00080018, vr: 'UI', value: s.sopUid },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00100020, vr: 'LO', value: s.patientId },
    { tag: 0x0020000d, vr: 'UI', value: s.studyUid },
    { tag: 0x0020000e, vr: 'UI', value: s.seriesUid },
    { tag: 0x00200032, vr: 'DS', value: ['-100', '-100', String(s.z)] },
    { tag: 0x00200037, vr: 'DS', value: ['1', '0', '0', '0', '1', '0'] },
    { tag: 0x00180050, vr: 'DS', value: '5' },
    { tag: 0x00280002, vr: 'US', value: 1 },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: n },
    { tag: 0x00280011, vr: 'US', value: n },
    { tag: 0x00280030, vr: 'DS', value: ['0.5', '0.5'] },
    { tag: 0x00280100, vr: 'US', value: 16 },
    { tag: 0x00280101, vr: 'US', value: 16 },
    { tag: 0x00280102, vr: 'US', value: 15 },
    { tag: 0x00280103, vr: 'US', value: 1 },
    { tag: 0x00281052, vr: 'DS', value: '-1024' },
    { tag: 0x00281053, vr: 'DS', value: '1' },
    { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(px.buffer) },
  ];
  if (s.padHeaderBytes) elements.push({ tag: 0x00291010, vr: 'OB', value: new Uint8Array(s.padHeaderBytes + (s.padHeaderBytes % 2)) });
  return writeDicomPart10(
    { mediaStorageSopClassUid: CT_IMAGE_STORAGE, mediaStorageSopInstanceUid: s.sopUid, implementationClassUid: '1.2.826.0.1.3680043.10.1', implementationVersionName: 'ICHSCAN_TEST' },
    elements,
  );
}

export function writeTinyCt(dir: string, s: TinySlice): string {
  const path = join(dir, s.name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, tinyCtBytes(s));
  return path;
}

/**
 * A study per patient, one series each, slices written in scrambled file order; slice k of patient p
 * has z = 5k and HU = 10k + p (so neighbours are recognisable). Image ids are `ID_<p><k>` in hex-ish.
 */
export function writeTinyDataset(dir: string, patients: number, slicesPerPatient: number): TinySlice[] {
  const out: TinySlice[] = [];
  for (let p = 0; p < patients; p++) {
    const order = Array.from({ length: slicesPerPatient }, (_, k) => (k * 7 + 3) % slicesPerPatient);
    for (const k of order) {
      const s: TinySlice = {
        name: `p${p}/ID_${(p + 10).toString(16)}${k.toString(16).padStart(2, '0')}aa.dcm`,
        patientId: `PAT${p}`,
        studyUid: `1.2.3.${p}`,
        seriesUid: `1.2.3.${p}.1`,
        sopUid: `1.2.3.${p}.1.${k}`,
        z: 5 * k,
        hu: 10 * k + p,
      };
      writeTinyCt(dir, s);
      out.push(s);
    }
  }
  return out;
}

/** Kaggle CSV rows for the given image ids and label bits. */
export function kaggleCsv(rows: [id: string, bits: number][]): string {
  const subtypes = ['epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural', 'any'];
  const lines = ['ID,Label'];
  for (const [id, bits] of rows) subtypes.forEach((s, i) => lines.push(`${id}_${s},${(bits >> i) & 1}`));
  return `${lines.join('\n')}\n`;
}
