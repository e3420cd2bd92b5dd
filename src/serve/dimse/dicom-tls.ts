/**
 * DICOM TLS (PS3.15 Annex B.9, the BCP 195 secure transport profile): TLS 1.2 or later, and both
 * ends authenticated by certificate — as dcmtk (`+tls`, peer certificate required by default) and
 * Orthanc (`DicomTlsRemoteCertificateRequired`) do. One trust store serves both directions: the
 * SCP asks every sender for a certificate that chains to `dicomTlsCa`, and a `tls:` destination's
 * certificate is checked against it (and its host name or IP, as Node checks any TLS server).
 * Our own certificate is the service's `tlsCert` / `tlsKey` (the HTTPS one).
 */
import { readFileSync } from 'node:fs';
import { ichError } from '../../core/errors.js';
import type { ServeConfig } from '../config.js';

/** What dcmjs-dimse's Server.listen / Client.send take as `securityOptions` (Node tls options). */
export interface DicomTlsOptions {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
  /** BCP 195: nothing older than TLS 1.2. */
  minVersion: 'TLSv1.2';
  rejectUnauthorized: true;
  /** Server side: ask the peer for its certificate (with rejectUnauthorized, one is required). */
  requestCert: boolean;
}

function readPem(file: string, what: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (e) {
    throw ichError('ICH_E_CONFIG', `cannot read the DICOM TLS ${what}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
  if (!pem.includes('-----BEGIN ')) throw ichError('ICH_E_CONFIG', `the DICOM TLS ${what} is not PEM`, { file });
  return pem;
}

/**
 * The TLS options for our side of an association: `server` for the SCP (peer certificate
 * required), otherwise for the SCU. ICH_E_CONFIG when a file is missing or not PEM.
 */
export function readDicomTlsOptions(config: Pick<ServeConfig, 'tlsCert' | 'tlsKey' | 'dicomTlsCa'>, role: 'server' | 'client'): DicomTlsOptions {
  if (!config.tlsCert || !config.tlsKey || !config.dicomTlsCa) throw ichError('ICH_E_CONFIG', 'DICOM TLS needs tlsCert, tlsKey and dicomTlsCa');
  return {
    key: readPem(config.tlsKey, 'private key (tlsKey)'),
    cert: readPem(config.tlsCert, 'certificate (tlsCert)'),
    ca: readPem(config.dicomTlsCa, 'CA certificates (dicomTlsCa)'),
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    requestCert: role === 'server',
  };
}
