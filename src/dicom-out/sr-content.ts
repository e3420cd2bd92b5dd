/**
 * SR content items (PS3.3 C.17.3, Table C.17-5 and the value type macros) as DicomElement lists:
 * one builder per value type. Relationship type `undefined` is for the root item only.
 */
import { formatDs, type DicomElement } from '../dicom/write-part10.js';
import type { Code } from './codes.js';
import { codeSequence, sopRefElements, type InstanceRef } from './common.js';

export type Relationship = 'CONTAINS' | 'HAS OBS CONTEXT' | 'HAS CONCEPT MOD' | 'HAS PROPERTIES' | 'INFERRED FROM';

/** `concept` null: no Concept Name (allowed for by-value CONTAINS IMAGE items, e.g. TID 2010's). */
function itemHeader(rel: Relationship | undefined, valueType: string, concept: Code | null): DicomElement[] {
  const out: DicomElement[] = [{ tag: 0x0040a040, vr: 'CS', value: valueType }];
  if (concept) out.push(codeSequence(0x0040a043, concept));
  if (rel !== undefined) out.push({ tag: 0x0040a010, vr: 'CS', value: rel });
  return out;
}

function withChildren(item: DicomElement[], children: readonly DicomElement[][] | undefined): DicomElement[] {
  return children && children.length > 0 ? [...item, { tag: 0x0040a730, vr: 'SQ', value: [...children] }] : item;
}

export function containerItem(rel: Relationship | undefined, concept: Code, children: DicomElement[][], template?: string): DicomElement[] {
  const item = [...itemHeader(rel, 'CONTAINER', concept), { tag: 0x0040a050, vr: 'CS', value: 'SEPARATE' } as DicomElement];
  if (template !== undefined) {
    item.push({ tag: 0x0040a504, vr: 'SQ', value: [[{ tag: 0x00080105, vr: 'CS', value: 'DCMR' }, { tag: 0x0040db00, vr: 'CS', value: template }]] });
  }
  return withChildren(item, children);
}

export function codeItem(rel: Relationship, concept: Code, value: Code, children?: DicomElement[][]): DicomElement[] {
  return withChildren([...itemHeader(rel, 'CODE', concept), codeSequence(0x0040a168, value)], children);
}

export function textItem(rel: Relationship, concept: Code, text: string): DicomElement[] {
  return [...itemHeader(rel, 'TEXT', concept), { tag: 0x0040a160, vr: 'UT', value: text }];
}

export function uidrefItem(rel: Relationship, concept: Code, uid: string, copied = false): DicomElement[] {
  return [...itemHeader(rel, 'UIDREF', concept), { tag: 0x0040a124, vr: 'UI', value: uid, copied }];
}

/**
 * NUM with NumericValue (DS, ≤ 16 characters, so rounded to 10 significant digits) and
 * FloatingPointValue (FD, the exact double): readers that want the number as given use the latter.
 */
export function numItem(rel: Relationship, concept: Code, value: number, unit: Code, children?: DicomElement[][]): DicomElement[] {
  const measured: DicomElement[] = [codeSequence(0x004008ea, unit), { tag: 0x0040a30a, vr: 'DS', value: formatDs(value) }, { tag: 0x0040a161, vr: 'FD', value }];
  return withChildren([...itemHeader(rel, 'NUM', concept), { tag: 0x0040a300, vr: 'SQ', value: [measured] }], children);
}

/** IMAGE item; `segmentNumber` makes it a Referenced Segment (TID 1411). */
export function imageItem(rel: Relationship, concept: Code | null, ref: InstanceRef, segmentNumber?: number): DicomElement[] {
  const sop = sopRefElements(ref);
  if (segmentNumber !== undefined) sop.push({ tag: 0x0062000b, vr: 'US', value: segmentNumber });
  return [...itemHeader(rel, 'IMAGE', concept), { tag: 0x00081199, vr: 'SQ', value: [sop] }];
}
