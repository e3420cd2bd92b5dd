/**
 * UIDs for the objects ichscan creates: `<root>.<decimal digits of SHA-256(parts)>`, as many digits
 * as fit in 64 characters (at most 39, i.e. ~128 bits). Deterministic, so writing the same results
 * twice gives the same UIDs; unique per object because the parts name the object (kind, index)
 * and the content it was derived from. Valid per PS3.5 §9.1: digits and dots, no leading zero in
 * a component (the first digit is forced to 1–9), ≤ 64 characters.
 */
import { createHash } from 'node:crypto';
import { ichError } from '../core/errors.js';
import { isValidUid } from '../dicom/write-part10.js';

/**
 * Root used when none is configured: 2.25, the root of UUID-derived UIDs (PS3.5 §B.2); the part
 * after it is 128 bits of a digest, as random as a UUID. A site should give its own root.
 */
export const DEFAULT_UID_ROOT = '2.25';

/** Longest root accepted: leaves at least 23 digits (~76 bits) for the hash part. */
export const MAX_UID_ROOT_LENGTH = 40;
const MAX_SUFFIX_DIGITS = 39;

/** Throws ICH_E_USAGE unless `root` is a valid UID of at most MAX_UID_ROOT_LENGTH characters. */
export function checkUidRoot(root: string): void {
  if (!isValidUid(root) || root.length > MAX_UID_ROOT_LENGTH) {
    throw ichError('ICH_E_USAGE', `UID root "${root}" must be digits and dots without leading zeros, at most ${MAX_UID_ROOT_LENGTH} characters`);
  }
}

/** A UID under `root` derived from `parts` (each part hashed with its length, so parts cannot run together). */
export function deriveResultUid(root: string, ...parts: string[]): string {
  checkUidRoot(root);
  const h = createHash('sha256').update('ichscan-dicom-out');
  for (const p of parts) h.update(`${p.length}:${p}`);
  const digest = h.digest();
  const value = digest.subarray(0, 20).reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
  const digits = Math.min(MAX_SUFFIX_DIGITS, 64 - root.length - 1);
  let text = value.toString(10).padStart(digits, '0').slice(-digits);
  // No leading zero (PS3.5 §9.1): map a leading 0 to 1 (keeps the length, costs < 0.4 bit).
  if (text.startsWith('0')) text = `1${text.slice(1)}`;
  return `${root}.${text}`;
}
