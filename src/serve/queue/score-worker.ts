/**
 * `ichscan worker`: a BullMQ worker on queue `ichscan-score` running `scoreSeriesFiles` with the
 * model opened once. A worker killed mid-job loses its lock; BullMQ's stalled-job check hands the
 * job to another worker after `lockDurationMs` (the re-run replaces the result folder, so the
 * study still ends with one result).
 */
import { UnrecoverableError, Worker } from 'bullmq';
import { toIchError } from '../../core/errors.js';
import type { SeriesScorer } from '../../infer/scorer.js';
import type { ServeLog } from '../log.js';
import { hashUid } from '../phi.js';
import { PERMANENT_CODES, scoreSeriesFiles, type ScoredStudy } from '../pipeline/score-study.js';
import { connectRedis, encodeFailure, SCORE_QUEUE, type ScoreJobData } from './bullmq-jobs.js';

export interface WorkerOptions {
  redisUrl: string;
  scorer: SeriesScorer;
  log: ServeLog;
  /** Jobs at once in this process (1: the model already uses every core). */
  concurrency: number;
  /** How long a job's lock lasts without renewal, ms (how soon a killed worker's job moves on). */
  lockDurationMs: number;
  name: string;
}

export function startScoreWorker(o: WorkerOptions): { close(): Promise<void> } {
  const connection = connectRedis(o.redisUrl);
  const worker = new Worker<ScoreJobData, ScoredStudy>(
    SCORE_QUEUE,
    async (job) => {
      const d = job.data;
      o.log.info({ study: hashUid(d.studyUid), job: job.id, attempt: job.attemptsMade + 1 }, 'scoring');
      try {
        return await scoreSeriesFiles({ dataDir: d.dataDir, uidRoot: d.uidRoot, scorer: o.scorer }, d.studyUid, d.chosen);
      } catch (e) {
        const err = toIchError(e, 'ICH_E_INTERNAL');
        const reason = encodeFailure(err.code, err.message.replaceAll(d.dataDir, '<data-dir>'));
        throw PERMANENT_CODES.includes(err.code) ? new UnrecoverableError(reason) : new Error(reason);
      }
    },
    { connection, concurrency: o.concurrency, lockDuration: o.lockDurationMs, stalledInterval: o.lockDurationMs, maxStalledCount: 2, name: o.name },
  );
  let lastWarned = 0;
  worker.on('error', () => {
    if (Date.now() - lastWarned < 60_000) return;
    lastWarned = Date.now();
    o.log.warn({ code: 'ICH_E_QUEUE' }, 'Redis unreachable; retrying');
  });
  worker.on('completed', (job) => o.log.info({ study: hashUid(job.data.studyUid), job: job.id }, 'scored'));
  worker.on('failed', (job, e) => o.log.warn({ study: job ? hashUid(job.data.studyUid) : null, code: e.message.split(':')[0] }, 'job failed'));
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
