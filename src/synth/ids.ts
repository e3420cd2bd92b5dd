/**
 * Deterministic identifiers for synthetic studies. Everything is derived from the dataset seed and
 * the study/slice index, never from the clock or generation order, so a resumed run writes the same
 * ids as an uninterrupted one.
 *
 * - Image ids (`ID_` + 9 hex, like RSNA's): a keyed 36-bit Feistel permutation of
 *   `studyIndex * 256 + sliceIndex`. A permutation cannot collide, so ids are unique within a
 *   dataset of up to 2^28 studies of ≤ 256 slices (a hash would collide at RSNA scale: 874k images
 *   in 2^36 give ~5 expected collisions).
 * - UIDs: `2.25.<decimal of 128 bits of SHA-256(seed, kind, indices)>` (PS3.5 §B.2: UUID-derived
 *   UIDs under the 2.25 root; at most 44 characters).
 */
import { createHash } from 'node:crypto';
import { asImageId, asPatientId, asSeriesInstanceUid, asSopInstanceUid, asStudyInstanceUid } from '../core/ids.js';
import type { ImageId, PatientId, SeriesInstanceUid, SopInstanceUid, StudyInstanceUid } from '../core/ids.js';

/** Most slices one synthetic study may have (the image-id layout reserves 8 bits). */
export const MAX_SLICES_PER_STUDY = 256;
/** Most studies one synthetic dataset may have (28 bits). */
export const MAX_STUDIES = 1 << 28;

/** A 32-bit hash of the seed and some integers (murmur3-style finaliser per word). */
export function mixSeed(seed: number, ...parts: number[]): number {
  let h = (seed >>> 0) ^ 0x6a09e667;
  for (const p of [...parts, parts.length]) {
    let k = Math.imul(p >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const HALF_BITS = 18;
const HALF_MASK = (1 << HALF_BITS) - 1;

/** A keyed bijection on [0, 2^36): 4 Feistel rounds over two 18-bit halves. */
function permute36(value: number, key: number): number {
  let left = Math.floor(value / 2 ** HALF_BITS) & HALF_MASK;
  let right = value & HALF_MASK;
  for (let round = 0; round < 4; round++) {
    const f = mixSeed(key, round, right) & HALF_MASK;
    const next = (left ^ f) & HALF_MASK;
    left = right;
    right = next;
  }
  return left * 2 ** HALF_BITS + right;
}

function checkIndices(study: number, slice: number): void {
  if (!Number.isInteger(study) || study < 0 || study >= MAX_STUDIES) throw new RangeError(`study index ${study} out of range`);
  if (!Number.isInteger(slice) || slice < 0 || slice >= MAX_SLICES_PER_STUDY) throw new RangeError(`slice index ${slice} out of range`);
}

/** The Kaggle-style image id of one synthetic slice, e.g. `ID_3fa09c21b`. */
export function deriveImageId(seed: number, study: number, slice: number): ImageId {
  checkIndices(study, slice);
  const n = permute36(study * MAX_SLICES_PER_STUDY + slice, mixSeed(seed, 0x1d));
  return asImageId(`ID_${n.toString(16).padStart(9, '0')}`);
}

/** The patient id of one synthetic study (`ID_` + 9 hex, one patient per study). */
export function derivePatientId(seed: number, study: number): PatientId {
  checkIndices(study, 0);
  const n = permute36(study, mixSeed(seed, 0x9a));
  return asPatientId(`ID_${n.toString(16).padStart(9, '0')}`);
}

/** A `2.25.` UID from 128 bits of SHA-256 over the seed, a kind label and indices. */
export function deriveUid(seed: number, kind: string, ...indices: number[]): string {
  const digest = createHash('sha256').update(`ichscan-synth/${seed >>> 0}/${kind}/${indices.join('/')}`).digest();
  const value = digest.subarray(0, 16).reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
  return `2.25.${value.toString(10)}`;
}

export interface StudyUids {
  patientId: PatientId;
  studyInstanceUid: StudyInstanceUid;
  seriesInstanceUid: SeriesInstanceUid;
  frameOfReferenceUid: string;
}

export function deriveStudyUids(seed: number, study: number): StudyUids {
  return {
    patientId: derivePatientId(seed, study),
    studyInstanceUid: asStudyInstanceUid(deriveUid(seed, 'study', study)),
    seriesInstanceUid: asSeriesInstanceUid(deriveUid(seed, 'series', study)),
    frameOfReferenceUid: deriveUid(seed, 'frame-of-reference', study),
  };
}

export function deriveSopInstanceUid(seed: number, study: number, slice: number): SopInstanceUid {
  return asSopInstanceUid(deriveUid(seed, 'sop', study, slice));
}
