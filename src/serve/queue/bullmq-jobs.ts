/**
 * The scoring job as BullMQ data (queue `ichscan-score`): a small JSON payload naming the study,
 * the chosen series' files (absolute paths: workers elsewhere mount the data dir at the same
 * path) and where results go. Idempotent: a re-run replaces the study's result folder. Retries and
 * exponential back-off are job options; permanent errors end it at once (UnrecoverableError).
 * Failure reasons carry the coded error as `ICH_E_…: message`.
 */
import { Redis } from 'ioredis';
import { ichError, ERROR_CODES, type IchErrorCode } from '../../core/errors.js';

export const SCORE_QUEUE = 'ichscan-score';

export interface ScoreJobData {
  studyUid: string;
  dataDir: string;
  uidRoot: string;
  chosen: { seriesInstanceUid: string; files: string[] };
}

/** An ioredis connection BullMQ accepts (workers need maxRetriesPerRequest: null). */
export function connectRedis(url: string): Redis {
  if (!/^rediss?:\/\//.test(url)) throw ichError('ICH_E_CONFIG', `--redis must be redis://host:port, got "${url}"`);
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  // while Redis is down ioredis reconnects and commands wait (maxRetriesPerRequest: null); without a
  // listener every failed reconnect would print an "Unhandled error event" with the URL
  redis.on('error', () => undefined);
  return redis;
}

/** BullMQ job ids cannot contain ':'; one id per study and queueing time (a re-sent study gets a new job). */
export function scoreJobId(studyDigest: string, queuedAt: number): string {
  return `${studyDigest.slice(0, 32)}-${queuedAt}`;
}

export function encodeFailure(code: IchErrorCode, message: string): string {
  return `${code}: ${message}`;
}

export function decodeFailure(reason: string | undefined): { code: IchErrorCode; message: string } {
  const m = /^(ICH_E_[A-Z_]+): (.*)$/s.exec(reason ?? '');
  const code = m?.[1];
  if (m && code && code in ERROR_CODES) return { code: code as IchErrorCode, message: m[2] ?? '' };
  return { code: 'ICH_E_INTERNAL', message: reason ?? 'job failed' };
}
