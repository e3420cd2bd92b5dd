/**
 * Slices into series, the way every stage lists them (`predict` in src/data/collect-series.ts,
 * `synth --insert-into` in src/synth/insert/source-series.ts): grouped by SeriesInstanceUID,
 * series ordered by StudyInstanceUID then SeriesInstanceUID, slices by position along the slice
 * normal (`slicePosition`), then InstanceNumber, then file name, then frame.
 */
import type { CtMeta } from './types.js';

/** A series' UIDs, with stand-ins when the header lacks them. */
export interface SeriesUids {
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

/** The series of a header: its UIDs, or "unknown-study" and "unknown-series:<study>" where absent. */
export function seriesUidsOf(meta: Pick<CtMeta, 'studyInstanceUid' | 'seriesInstanceUid'>): SeriesUids {
  const studyInstanceUid = meta.studyInstanceUid ?? 'unknown-study';
  return { studyInstanceUid, seriesInstanceUid: meta.seriesInstanceUid ?? `unknown-series:${studyInstanceUid}` };
}

/** The group of `meta`'s series in `groups` (keyed by series UID), made by `create` on first sight. */
export function seriesGroupOf<G>(groups: Map<string, G>, meta: Pick<CtMeta, 'studyInstanceUid' | 'seriesInstanceUid'>, create: (uids: SeriesUids) => G): G {
  const uids = seriesUidsOf(meta);
  let g = groups.get(uids.seriesInstanceUid);
  if (!g) {
    g = create(uids);
    groups.set(uids.seriesInstanceUid, g);
  }
  return g;
}

/** Series order: StudyInstanceUID, then SeriesInstanceUID (UTF-16 code-unit order; series UIDs are distinct). */
export function compareSeries(a: SeriesUids, b: SeriesUids): number {
  return a.studyInstanceUid === b.studyInstanceUid ? (a.seriesInstanceUid < b.seriesInstanceUid ? -1 : 1) : a.studyInstanceUid < b.studyInstanceUid ? -1 : 1;
}

/** What slice order reads: the file name (relative or absolute, as the caller lists it), frame (0 when absent), InstanceNumber. */
export interface OrderedSlice {
  file: string;
  frame?: number;
  meta: Pick<CtMeta, 'instanceNumber'>;
}

/**
 * Slice order within a series: by `position` (mm along the normal) when both slices have one,
 * then InstanceNumber (absent = 0), then file name, then frame.
 */
export function compareSlicesBy<T extends OrderedSlice>(position: (slice: T) => number | undefined): (a: T, b: T) => number {
  return (a, b) => {
    const pa = position(a);
    const pb = position(b);
    if (pa !== undefined && pb !== undefined && pa !== pb) return pa - pb;
    const ia = a.meta.instanceNumber ?? 0;
    const ib = b.meta.instanceNumber ?? 0;
    if (ia !== ib) return ia - ib;
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
    return (a.frame ?? 0) - (b.frame ?? 0);
  };
}
