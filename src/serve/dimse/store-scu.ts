/**
 * C-STORE SCU (dcmjs-dimse): sends files to one destination in one association. Resolves when
 * every instance was answered with success (0x0000) or a warning (0xBxxx); rejects with
 * ICH_E_DELIVERY naming the first failure (refused association, network error, failure status).
 * With `tls` the association runs over DICOM TLS (dicom-tls.ts): a destination whose certificate
 * does not chain to our CA, or names another host, fails as a network error.
 */
import { ichError } from '../../core/errors.js';
import type { DicomDestination } from '../config.js';
import { dimse } from './dimse-lib.js';
import type { DicomTlsOptions } from './dicom-tls.js';

const { Client } = dimse;
const { CStoreRequest } = dimse.requests;

/** Connect/association/PDU timeouts, ms. */
const TIMEOUT_MS = 30_000;

export function sendByCStore(dest: DicomDestination, callingAe: string, files: readonly string[], tls?: DicomTlsOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const problems: string[] = [];
    let answered = 0;
    for (const f of files) {
      const request = new CStoreRequest(f);
      request.on('response', (response: { getStatus(): number }) => {
        answered++;
        const status = response.getStatus();
        if (status !== 0 && (status & 0xf000) !== 0xb000) problems.push(`status 0x${status.toString(16).padStart(4, '0')}`);
      });
      client.addRequest(request);
    }
    client.on('associationRejected', () => problems.push('association rejected'));
    client.on('networkError', (e: Error) => problems.push(`network error: ${e.message}`));
    client.on('closed', () => {
      if (problems.length === 0 && answered === files.length) resolve();
      else reject(ichError('ICH_E_DELIVERY', `${dest.tls ? 'tls:' : ''}${dest.aeTitle}@${dest.host}:${dest.port}: ${problems[0] ?? `${answered} of ${files.length} instances answered`}`));
    });
    client.send(dest.host, dest.port, callingAe, dest.aeTitle, { connectTimeout: TIMEOUT_MS, associationTimeout: TIMEOUT_MS, pduTimeout: TIMEOUT_MS, ...(tls ? { securityOptions: tls } : {}) });
  });
}
