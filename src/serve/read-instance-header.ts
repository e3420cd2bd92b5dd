/**
 * The attributes the service needs of a received instance, read from the file's first 256 KiB
 * (header only, pixel data never touched): UIDs to file it, and what series selection looks at
 * (modality, SOP class, ImageType, orientation, thickness, kernel, description).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { DataSet } from 'dicom-parser';
import { ichError } from '../core/errors.js';
import { parseDataSet } from '../dicom/parse.js';

export interface InstanceHeader {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sopClassUid: string;
  modality: string;
  /** ImageType values, upper case (e.g. ORIGINAL, PRIMARY, AXIAL). */
  imageType: string[];
  /** ImageOrientationPatient, direction cosines. */
  orientation: number[] | null;
  /** SliceThickness, mm. */
  sliceThicknessMm: number | null;
  convolutionKernel: string;
  seriesDescription: string;
  /** Manufacturer (0008,0070): `ichscan` on the results ichscan writes. */
  manufacturer: string;
}

const HEADER_PREFIX_BYTES = 256 * 1024;

function text(ds: DataSet, tag: string): string {
  return (ds.string(tag) ?? '').replace(/\0/g, '').trim();
}

function numbers(ds: DataSet, tag: string): number[] {
  const t = text(ds, tag);
  return t === '' ? [] : t.split('\\').map(Number).filter(Number.isFinite);
}

/** ICH_E_BAD_TAG when a UID needed to file the instance is missing; parser errors pass through. */
export function readInstanceHeader(file: string): InstanceHeader {
  const fd = openSync(file, 'r');
  let bytes: Buffer;
  try {
    const buf = Buffer.alloc(HEADER_PREFIX_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    bytes = buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
  const { dataSet: ds } = parseDataSet(bytes, 'received instance', { headerOnly: true });
  const studyUid = text(ds, 'x0020000d');
  const seriesUid = text(ds, 'x0020000e');
  const sopUid = text(ds, 'x00080018');
  if (!studyUid || !seriesUid || !sopUid) throw ichError('ICH_E_BAD_TAG', 'StudyInstanceUID, SeriesInstanceUID and SOPInstanceUID are required');
  const orientation = numbers(ds, 'x00200037');
  const thickness = numbers(ds, 'x00180050');
  return {
    studyUid,
    seriesUid,
    sopUid,
    sopClassUid: text(ds, 'x00080016'),
    modality: text(ds, 'x00080060').toUpperCase(),
    imageType: text(ds, 'x00080008').toUpperCase().split('\\').map((s) => s.trim()).filter(Boolean),
    orientation: orientation.length === 6 ? orientation : null,
    sliceThicknessMm: thickness[0] ?? null,
    convolutionKernel: text(ds, 'x00181210'),
    seriesDescription: text(ds, 'x0008103e'),
    manufacturer: text(ds, 'x00080070'),
  };
}
