/**
 * The service's typed configuration: one object every part of `ichscan serve` reads. Built from
 * defaults, then a JSON config file (same keys), then command-line flags (flags win). Unknown
 * config-file keys are refused (a typo must not silently fall back to a default).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ichError, toIchError } from '../core/errors.js';

/** A C-STORE destination for results. */
export interface DicomDestination {
  aeTitle: string;
  host: string;
  port: number;
  /** DICOM TLS (PS3.15 B.9, BCP 195: TLS ≥ 1.2): our certificate offered, theirs checked against `dicomTlsCa`. */
  tls?: boolean;
}

export interface ServeConfig {
  /** Everything the service keeps: SQLite queue, received instances, results. */
  dataDir: string;
  /** HTTP (API, STOW-RS) port; 0 picks a free one. */
  httpPort: number;
  /** C-STORE SCP port; 0 picks a free one; null disables DIMSE. */
  dicomPort: number | null;
  /** Bind address of both listeners; loopback unless deliberately opened. */
  host: string;
  /** Our AE title (called AE for the SCP, calling AE for forwarding). */
  aeTitle: string;
  /** Calling AE titles allowed to associate; empty = any. */
  allowAe: string[];
  /** File of bearer tokens, one per line; `read:<token>` may only read. */
  tokenFile: string;
  /** Seconds without a new instance after which a study is complete. */
  stableAgeS: number;
  forwardTo: DicomDestination[];
  /** DICOMweb servers the results are also sent to by STOW-RS (base URLs, e.g. http://pacs/dicom-web). */
  stowTo: string[];
  /** URL that receives a JSON POST for each flagged study (null = none). */
  webhook: string | null;
  /** Model folder (model.json + ONNX). */
  modelDir: string;
  /** UID root for the results' new UIDs. */
  uidRoot: string;
  /** DICOMweb server (e.g. Orthanc's `http://host:8042/dicom-web`) that `POST /api/notify` pulls studies from by WADO-RS. */
  pullFrom: string | null;
  /** BullMQ + Redis queue instead of the embedded SQLite one (null = embedded). */
  redisUrl: string | null;
  /** Largest HTTP request body, bytes (STOW-RS posts included). */
  maxBodyBytes: number;
  /** Largest single DICOM instance, bytes. */
  maxInstanceBytes: number;
  maxInstancesPerStudy: number;
  /** Studies waiting (received or queued) beyond which new studies are refused with 429. */
  maxQueuedStudies: number;
  /** Scoring attempts before a job is failed. */
  maxAttempts: number;
  /** First retry delay, ms; doubles per attempt. */
  retryBaseMs: number;
  /** Delivery attempts per destination before the delivery is failed. */
  maxDeliveryAttempts: number;
  /** Days received images are kept after their study is done; 0 = keep forever. */
  retentionDays: number;
  /** PEM certificate and key: HTTPS instead of HTTP when both are set; also our certificate for DICOM TLS. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** The C-STORE SCP speaks DICOM TLS (TLS ≥ 1.2 with tlsCert/tlsKey) and asks every peer for a certificate that chains to `dicomTlsCa`. */
  dicomTls: boolean;
  /** PEM CA certificate(s) that DICOM TLS peers' certificates must chain to (senders' and `tls:` destinations'). */
  dicomTlsCa: string | null;
  /** Browser origins (e.g. `https://ohif.example.org`) allowed to call the API and DICOMweb with CORS; empty = none. */
  corsOrigins: string[];
  /** Folder of the built browser viewer (index.html + assets/); null = the package's `web/dist`. */
  webDir: string | null;
}

export const DEFAULT_CONFIG: Omit<ServeConfig, 'dataDir' | 'tokenFile'> = {
  httpPort: 8042,
  dicomPort: 11112,
  host: '127.0.0.1',
  aeTitle: 'ICHSCAN',
  allowAe: [],
  stableAgeS: 10,
  forwardTo: [],
  stowTo: [],
  webhook: null,
  modelDir: 'default',
  uidRoot: '2.25',
  redisUrl: null,
  pullFrom: null,
  maxBodyBytes: 512 * 1024 * 1024,
  maxInstanceBytes: 64 * 1024 * 1024,
  maxInstancesPerStudy: 2000,
  maxQueuedStudies: 200,
  maxAttempts: 3,
  retryBaseMs: 2000,
  maxDeliveryAttempts: 5,
  retentionDays: 0,
  tlsCert: null,
  tlsKey: null,
  dicomTls: false,
  dicomTlsCa: null,
  corsOrigins: [],
  webDir: null,
};

const KEYS = new Set<string>([...Object.keys(DEFAULT_CONFIG), 'dataDir', 'tokenFile']);

/** `AE@host:port` (or `tls:AE@host:port` for DICOM TLS) → destination; ICH_E_CONFIG otherwise. */
export function parseDestination(text: string): DicomDestination {
  const trimmed = text.trim();
  // a leading "tls:" is always the scheme (an AE title cannot be given that prefix here)
  const tls = trimmed.startsWith('tls:');
  const m = /^([^@\s\\]{1,16})@([^:\s]+):(\d{1,5})$/.exec(tls ? trimmed.slice(4) : trimmed);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw ichError('ICH_E_CONFIG', `--forward-to must look like AE@host:port or tls:AE@host:port, got "${text}"`);
  const dest: DicomDestination = { aeTitle: m[1] as string, host: m[2] as string, port };
  if (tls) dest.tls = true;
  return dest;
}

/** Reads a JSON config file; keys are ServeConfig's (forwardTo may be "AE@host:port" strings). */
export function readConfigFile(file: string): Partial<ServeConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw toIchError(e, 'ICH_E_CONFIG', file);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw ichError('ICH_E_CONFIG', 'config must be a JSON object', { file });
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (!KEYS.has(k)) throw ichError('ICH_E_CONFIG', `unknown key "${k}"`, { file });
  const out = { ...obj } as Record<string, unknown>;
  if (Array.isArray(obj.forwardTo)) out.forwardTo = obj.forwardTo.map((d) => (typeof d === 'string' ? parseDestination(d) : d));
  return out as Partial<ServeConfig>;
}

/** Defaults ← config file ← flags; paths resolved against `cwd`; values checked. */
export function resolveConfig(fromFile: Partial<ServeConfig>, fromFlags: Partial<ServeConfig>, cwd: string): ServeConfig {
  const merged = { ...DEFAULT_CONFIG, ...dropUndefined(fromFile), ...dropUndefined(fromFlags) } as Partial<ServeConfig>;
  if (!merged.dataDir) throw ichError('ICH_E_CONFIG', '--data-dir (dataDir) is required');
  if (!merged.tokenFile) throw ichError('ICH_E_CONFIG', '--token-file (tokenFile) is required');
  const file = (p: string | null | undefined): string | null => (p ? resolve(cwd, p) : null);
  const c = { ...merged, dataDir: resolve(cwd, merged.dataDir), tokenFile: resolve(cwd, merged.tokenFile), webDir: file(merged.webDir), tlsCert: file(merged.tlsCert), tlsKey: file(merged.tlsKey), dicomTlsCa: file(merged.dicomTlsCa) } as ServeConfig;
  checkConfig(c);
  return c;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkConfig(c: ServeConfig): void {
  const ints: (keyof ServeConfig)[] = ['httpPort', 'maxBodyBytes', 'maxInstanceBytes', 'maxInstancesPerStudy', 'maxQueuedStudies', 'maxAttempts', 'retryBaseMs', 'maxDeliveryAttempts', 'retentionDays'];
  for (const k of ints) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw ichError('ICH_E_CONFIG', `${k} must be a whole number ≥ 0, got ${JSON.stringify(v)}`);
  }
  if (c.dicomPort !== null && (!Number.isInteger(c.dicomPort) || c.dicomPort < 0 || c.dicomPort > 65535)) throw ichError('ICH_E_CONFIG', `dicomPort must be 0…65535 or null`);
  if (!(c.stableAgeS >= 0)) throw ichError('ICH_E_CONFIG', 'stableAgeS must be ≥ 0 seconds');
  if (!/^[ -~]{1,16}$/.test(c.aeTitle) || c.aeTitle.includes('\\')) throw ichError('ICH_E_CONFIG', 'aeTitle must be 1–16 printable ASCII characters');
  for (const u of [...c.stowTo, ...(c.webhook ? [c.webhook] : []), ...(c.pullFrom ? [c.pullFrom] : [])]) {
    if (!/^https?:\/\/[^\s]+$/.test(u)) throw ichError('ICH_E_CONFIG', `not an http(s) URL: ${u}`);
  }
  for (const o of c.corsOrigins) {
    // an origin is scheme://host[:port], no path and no trailing slash (browsers send it so)
    if (!/^https?:\/\/[^\s/]+$/.test(o)) throw ichError('ICH_E_CONFIG', `corsOrigins: not an origin (scheme://host[:port]): ${o}`);
  }
  if ((c.tlsCert === null) !== (c.tlsKey === null)) throw ichError('ICH_E_CONFIG', 'TLS needs both tlsCert and tlsKey');
  // DICOM TLS is mutual (as dcmtk and Orthanc default to): our certificate, and a CA to check theirs
  const tlsUsers = [...(c.dicomTls ? ['dicomTls'] : []), ...c.forwardTo.filter((d) => d.tls).map((d) => `forwardTo tls:${d.aeTitle}@${d.host}:${d.port}`)];
  for (const who of tlsUsers) {
    if (c.tlsCert === null) throw ichError('ICH_E_CONFIG', `${who} needs tlsCert and tlsKey (our certificate)`);
    if (c.dicomTlsCa === null) throw ichError('ICH_E_CONFIG', `${who} needs dicomTlsCa (the CA that peers' certificates chain to)`);
  }
}
