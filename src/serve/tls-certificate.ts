/**
 * The service's own certificate (`tlsCert`: HTTPS, and DICOM TLS when on), read once at start:
 * an expired one stops the start with ICH_E_CONFIG (every peer would refuse it anyway, and a
 * service that cannot be reached should say why at once); one that expires within 30 days is
 * logged; its expiry is a metric, so an operator's alert fires before peers start refusing.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { ichError } from '../core/errors.js';

/** Warn this long before the certificate expires. */
export const EXPIRY_WARNING_MS = 30 * 24 * 3600 * 1000;

export interface CertificateFacts {
  /** notAfter, ms since the epoch. */
  notAfterMs: number;
  /** Days left at `now` (negative once expired), rounded down. */
  daysLeft: number;
}

/** Reads `file`'s certificate (the first in the PEM) and checks it at `now`; ICH_E_CONFIG when unreadable or expired. */
export function checkServiceCertificate(file: string, now = Date.now()): CertificateFacts {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(file));
  } catch (e) {
    throw ichError('ICH_E_CONFIG', `tlsCert is not a readable PEM certificate: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  const notAfterMs = Date.parse(cert.validTo);
  const notBeforeMs = Date.parse(cert.validFrom);
  if (!Number.isFinite(notAfterMs)) throw ichError('ICH_E_CONFIG', `tlsCert has an unreadable expiry "${cert.validTo}"`, { file });
  if (now > notAfterMs) throw ichError('ICH_E_CONFIG', `tlsCert expired on ${new Date(notAfterMs).toISOString()}`, { file });
  if (Number.isFinite(notBeforeMs) && now < notBeforeMs) throw ichError('ICH_E_CONFIG', `tlsCert is not valid before ${new Date(notBeforeMs).toISOString()}`, { file });
  return { notAfterMs, daysLeft: Math.floor((notAfterMs - now) / (24 * 3600 * 1000)) };
}
