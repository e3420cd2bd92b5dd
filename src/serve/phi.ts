/**
 * No PHI in logs or file names: UIDs are shown and stored on disk as a short SHA-256 digest
 * (a UID names a patient's study; a digest lets operators correlate log lines without it).
 */
import { createHash } from 'node:crypto';

/** 16 hex characters of SHA-256 of the UID: for logs and metrics. */
export function hashUid(uid: string): string {
  return createHash('sha256').update(uid).digest('hex').slice(0, 16);
}

/** Full SHA-256 hex of the UID: for file and folder names (never a client-supplied name). */
export function digestUid(uid: string): string {
  return createHash('sha256').update(uid).digest('hex');
}
