/**
 * A binary Segmentation object (PS3.3 A.51) → per source image, one bit mask per segment. Reads
 * the Segment Sequence (0062,0002: SegmentNumber, SegmentLabel) and, per frame, the Per-frame
 * Functional Groups (5200,9230): Derivation Image (0008,9124) → Source Image (0008,2112) →
 * ReferencedSOPInstanceUID names the CT slice, Segment Identification (0062,000A) →
 * ReferencedSegmentNumber the segment. Frames are 1 bit per pixel, LSB first, back to back.
 */
import { readItemsOf, readNumber, readPart10, readString, type DataSet } from './read-part10.js';

export interface SegSegment {
  number: number;
  /** e.g. "subdural" (ichscan writes the subtype name). */
  label: string;
}

export interface SegMasks {
  rows: number;
  columns: number;
  segments: SegSegment[];
  /** Source SOP Instance UID → segment number → rows × columns mask (1 = in the segment). */
  bySource: Map<string, Map<number, Uint8Array>>;
}

function firstItem(ds: DataSet, tag: number): DataSet | undefined {
  return readItemsOf(ds, tag)[0];
}

/** The source SOP and segment number of one per-frame functional group item. */
function readFrameRefs(group: DataSet, shared: DataSet | undefined): { source: string; segment: number } {
  const derivation = firstItem(group, 0x00089124) ?? (shared ? firstItem(shared, 0x00089124) : undefined);
  const sourceItem = derivation ? firstItem(derivation, 0x00082112) : undefined;
  const source = sourceItem ? readString(sourceItem, 0x00081155) : '';
  const ident = firstItem(group, 0x0062000a) ?? (shared ? firstItem(shared, 0x0062000a) : undefined);
  const segment = ident ? readNumber(ident, 0x0062000b) : undefined;
  if (source === '' || segment === undefined) throw new Error('SEG frame without a source image or segment number');
  return { source, segment };
}

/** Unpacks frame `f` (LSB-first bits) into a 0/1 byte mask of `n` pixels. */
function unpackFrame(pixels: Uint8Array, f: number, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  const base = f * n;
  for (let k = 0; k < n; k++) {
    const bit = base + k;
    mask[k] = ((pixels[bit >>> 3] as number) >> (bit & 7)) & 1;
  }
  return mask;
}

export function parseSeg(file: Uint8Array): SegMasks {
  const ds = readPart10(file);
  const rows = readNumber(ds, 0x00280010) ?? 0;
  const columns = readNumber(ds, 0x00280011) ?? 0;
  if (readNumber(ds, 0x00280100) !== 1) throw new Error('only BINARY segmentations (BitsAllocated 1) are read');
  const segments = readItemsOf(ds, 0x00620002).map((item) => ({ number: readNumber(item, 0x00620004) ?? 0, label: readString(item, 0x00620005) }));
  const perFrame = readItemsOf(ds, 0x52009230);
  const shared = firstItem(ds, 0x52009229);
  const pixels = ds.get(0x7fe00010)?.bytes ?? new Uint8Array(0);
  const n = rows * columns;
  if (pixels.length * 8 < perFrame.length * n) throw new Error('SEG pixel data shorter than its frames');
  const bySource = new Map<string, Map<number, Uint8Array>>();
  perFrame.forEach((group, f) => {
    const { source, segment } = readFrameRefs(group, shared);
    const masks = bySource.get(source) ?? new Map<number, Uint8Array>();
    masks.set(segment, unpackFrame(pixels, f, n));
    bySource.set(source, masks);
  });
  return { rows, columns, segments, bySource };
}
