/**
 * DICOMweb reads the viewer needs (WADO-RS, PS3.18 10.4): a series' metadata (DICOM JSON), one
 * instance's decoded frame (octet-stream: native little-endian samples) and a whole instance
 * (Part 10: the SEG, parsed here in the browser).
 */
import { fetchWithToken } from '../api/api-client.js';
import { splitMultipart } from './parse-multipart.js';

/** A DICOM JSON data set: tag "GGGGEEEE" → {vr, Value}. */
export type DicomJson = Record<string, { vr: string; Value?: unknown[] } | undefined>;

/** The geometry and pixel description of one CT instance. */
export interface InstanceMeta {
  sopInstanceUid: string;
  rows: number;
  columns: number;
  bitsAllocated: number;
  /** 1: signed samples (Int16), 0: unsigned (Uint16 / Uint8). */
  pixelRepresentation: number;
  /** HU = stored × slope + intercept. */
  rescaleSlope: number;
  rescaleIntercept: number;
  /** mm, [row spacing, column spacing]; null when absent. */
  pixelSpacing: [number, number] | null;
  /** mm, patient coordinates of the first pixel; null when absent. */
  position: [number, number, number] | null;
}

function seriesPath(study: string, series: string): string {
  return `/dicomweb/studies/${encodeURIComponent(study)}/series/${encodeURIComponent(series)}`;
}

function numberAt(ds: DicomJson, tag: string, fallback: number, k = 0): number {
  const v = ds[tag]?.Value?.[k];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : fallback;
}

function hasValues(ds: DicomJson, tag: string, count: number): boolean {
  return (ds[tag]?.Value?.length ?? 0) >= count;
}

export function toInstanceMeta(ds: DicomJson): InstanceMeta {
  const sop = ds['00080018']?.Value?.[0];
  if (typeof sop !== 'string') throw new Error('metadata without SOPInstanceUID');
  return {
    sopInstanceUid: sop,
    rows: numberAt(ds, '00280010', 0),
    columns: numberAt(ds, '00280011', 0),
    bitsAllocated: numberAt(ds, '00280100', 16),
    pixelRepresentation: numberAt(ds, '00280103', 0),
    rescaleSlope: numberAt(ds, '00281053', 1),
    rescaleIntercept: numberAt(ds, '00281052', 0),
    pixelSpacing: hasValues(ds, '00280030', 2) ? [numberAt(ds, '00280030', 1, 0), numberAt(ds, '00280030', 1, 1)] : null,
    position: hasValues(ds, '00200032', 3) ? [numberAt(ds, '00200032', 0, 0), numberAt(ds, '00200032', 0, 1), numberAt(ds, '00200032', 0, 2)] : null,
  };
}

/** WADO-RS series metadata → one InstanceMeta per SOP Instance UID. */
export async function fetchSeriesMeta(study: string, series: string): Promise<Map<string, InstanceMeta>> {
  const r = await fetchWithToken(`${seriesPath(study, series)}/metadata`, { accept: 'application/dicom+json' });
  const list = (await r.json()) as DicomJson[];
  return new Map(list.map((ds) => toInstanceMeta(ds)).map((m) => [m.sopInstanceUid, m]));
}

/** WADO-RS metadata of one instance (the first slice need not wait for the whole series'). */
export async function fetchInstanceMeta(study: string, series: string, sop: string): Promise<InstanceMeta> {
  const r = await fetchWithToken(`${seriesPath(study, series)}/instances/${encodeURIComponent(sop)}/metadata`, { accept: 'application/dicom+json' });
  const [ds] = (await r.json()) as DicomJson[];
  if (!ds) throw new Error('empty instance metadata');
  return toInstanceMeta(ds);
}

/** Stored samples of frame 1: Int16Array (signed), Uint16Array or Uint8Array, rows × columns. */
export type StoredPixels = Int16Array | Uint16Array | Uint8Array;

/** Frame 1 of an instance as the service decoded it (native little-endian samples), still as bytes. */
export async function fetchFrameBytes(study: string, series: string, sop: string): Promise<Uint8Array> {
  const r = await fetchWithToken(`${seriesPath(study, series)}/instances/${encodeURIComponent(sop)}/frames/1`, { accept: 'multipart/related; type="application/octet-stream"' });
  performance.mark('ichscan:frame-headers'); // User Timing marks: the benchmark's breakdown of the first image
  const body = new Uint8Array(await r.arrayBuffer());
  performance.mark('ichscan:frame-body');
  const part = splitMultipart(body, r.headers.get('content-type') ?? '')[0];
  performance.mark('ichscan:frame-split');
  if (!part) throw new Error('frame answer without a part');
  return part;
}

/** Frame bytes → typed samples (little endian, as x86 and ARM browsers are). */
export function toStoredPixels(part: Uint8Array, meta: InstanceMeta): StoredPixels {
  const n = meta.rows * meta.columns;
  if (meta.bitsAllocated === 8) return part.slice(0, n);
  // copy into an aligned buffer: a part may start at an odd offset
  const bytes = part.slice(0, n * 2);
  if (bytes.length < n * 2) throw new Error(`frame has ${bytes.length} bytes, expected ${n * 2}`);
  return meta.pixelRepresentation === 1 ? new Int16Array(bytes.buffer, 0, n) : new Uint16Array(bytes.buffer, 0, n);
}

/** The Part 10 file of one instance (WADO-RS instance retrieve, first part). */
export async function fetchInstanceFile(study: string, series: string, sop: string): Promise<Uint8Array> {
  const r = await fetchWithToken(`${seriesPath(study, series)}/instances/${encodeURIComponent(sop)}`, { accept: 'multipart/related; type="application/dicom"' });
  const parts = splitMultipart(new Uint8Array(await r.arrayBuffer()), r.headers.get('content-type') ?? '');
  const part = parts[0];
  if (!part) throw new Error('instance answer without a part');
  return part;
}
