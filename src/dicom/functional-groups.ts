/**
 * Enhanced multi-frame objects (enhanced CT, SEG) keep per-frame attributes in functional groups:
 * the Shared Functional Groups Sequence (5200,9229, one item for every frame) and the Per-frame
 * Functional Groups Sequence (5200,9230, one item per frame). Readers look a value up in one and
 * then the other.
 */
import type { DataSet } from 'dicom-parser';

export const SHARED_GROUPS = 'x52009229';
export const PER_FRAME_GROUPS = 'x52009230';

/** The shared group's item and frame `frame`'s per-frame item (0-based); either is undefined when absent. */
export function functionalGroupsOf(ds: DataSet, frame = 0): { shared: DataSet | undefined; perFrame: DataSet | undefined } {
  return { shared: ds.elements[SHARED_GROUPS]?.items?.[0]?.dataSet, perFrame: ds.elements[PER_FRAME_GROUPS]?.items?.[frame]?.dataSet };
}
