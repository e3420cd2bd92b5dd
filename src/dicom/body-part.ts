/**
 * Is this a head CT? ichscan's models read the brain. Body Part Examined (0018,0015) says what was
 * scanned (PS3.16 Annex L terms: HEAD, BRAIN, SKULL, HEADNECK, …; real files also carry NECK, CHEST,
 * PANCREAS); when it is present and names no part of the head the series is not what the model
 * reads. Absent or empty (RSNA and CQ500 strip it) = unknown, which is not evidence either way.
 */
import type { DataSet } from 'dicom-parser';

const HEAD_LIKE = /HEAD|BRAIN|SKULL|CRAN|CEREB|ORBIT/;

/** Body Part Examined, trimmed and upper case; undefined when absent or empty. */
export function readBodyPart(ds: DataSet): string | undefined {
  const v = (ds.string('x00180015') ?? '').replace(/\0/g, '').trim().toUpperCase();
  return v === '' ? undefined : v;
}

/** Why the series is not a head CT (`BodyPartExamined "CHEST"`), or undefined when it may be one. */
export function notHeadEvidence(bodyPart: string | undefined): string | undefined {
  return bodyPart !== undefined && !HEAD_LIKE.test(bodyPart) ? `BodyPartExamined "${bodyPart}"` : undefined;
}
