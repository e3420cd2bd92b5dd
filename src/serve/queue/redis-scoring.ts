/**
 * Server side of the BullMQ + Redis mode: a complete study's series is chosen here (reasons
 * recorded in SQLite), then handed to BullMQ; the SQLite job row mirrors the BullMQ job, polled
 * each tick (active → scoring, completed → result, deliveries; failed → failed with its code).
 * Polling, not queue events, so a server restart loses nothing: the row keeps the job id and the
 * job keeps its return value in Redis. A job Redis no longer knows is queued again.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { toIchError } from '../../core/errors.js';
import type { ServeContext } from '../context.js';
import { hashUid } from '../phi.js';
import { deliveryNames } from '../pipeline/forward-results.js';
import { chooseSeriesFiles, type ScoredStudy } from '../pipeline/score-study.js';
import { connectRedis, decodeFailure, SCORE_QUEUE, scoreJobId, type ScoreJobData } from './bullmq-jobs.js';

export class RedisScoring {
  private readonly connection: Redis;
  private readonly queue: Queue<ScoreJobData, ScoredStudy>;

  constructor(private readonly ctx: ServeContext, url: string) {
    this.connection = connectRedis(url);
    this.queue = new Queue<ScoreJobData, ScoredStudy>(SCORE_QUEUE, { connection: this.connection });
    // Redis down: commands wait and the study stays queued; one warning a minute instead of a stack trace per retry
    let lastWarned = 0;
    this.queue.on('error', () => {
      if (Date.now() - lastWarned < 60_000) return;
      lastWarned = Date.now();
      ctx.log.warn({ code: 'ICH_E_QUEUE' }, 'Redis unreachable; studies wait in the queue');
    });
  }

  /** Chooses the series and adds the BullMQ job; a study without a usable series fails here. */
  async enqueue(studyUid: string): Promise<void> {
    const { store, config } = this.ctx;
    const row = store.study(studyUid);
    if (!row) return;
    let chosen;
    try {
      chosen = chooseSeriesFiles(store, studyUid);
    } catch (e) {
      const err = toIchError(e, 'ICH_E_INTERNAL');
      store.markRunning(studyUid, 1, Date.now());
      store.failJob(studyUid, 1, err.code, err.message, Date.now(), { maxAttempts: 1, retryBaseMs: 0, retryable: false });
      this.ctx.metrics.jobsFailed++;
      return;
    }
    const jobId = scoreJobId(row.digest, row.queued_at ?? Date.now());
    await this.queue.add('score', { studyUid, dataDir: config.dataDir, uidRoot: config.uidRoot, chosen }, { jobId, attempts: config.maxAttempts, backoff: { type: 'exponential', delay: config.retryBaseMs }, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 30 * 86400 } });
    store.setExternalJob(studyUid, jobId);
  }

  /** Mirrors BullMQ job states into SQLite. */
  async poll(): Promise<void> {
    const { store, metrics, config, log } = this.ctx;
    for (const j of store.externalJobsInFlight()) {
      if (!j.external_id) {
        await this.enqueue(j.study_uid);
        continue;
      }
      const job = await this.queue.getJob(j.external_id);
      if (!job) {
        log.warn({ study: hashUid(j.study_uid) }, 'job unknown to Redis, queued again');
        await this.enqueue(j.study_uid);
        continue;
      }
      const state = await job.getState();
      const attempt = Math.max(1, job.attemptsMade + (state === 'active' ? 1 : 0));
      if (state === 'active' && j.state === 'queued') store.markRunning(j.study_uid, attempt, Date.now());
      if (state === 'completed') {
        const r = job.returnvalue;
        const now = Date.now();
        store.markRunning(j.study_uid, attempt, now);
        store.db.transaction(() => {
          store.saveResult(j.study_uid, r.outcome.seriesUid, r.summary.model.version, r.summary, r.files, now);
          store.finishJob(j.study_uid, r.outcome, now);
          store.openDeliveries(j.study_uid, deliveryNames(config, r.outcome.flagged), now);
        })();
        metrics.jobsFinished++;
        const queuedAt = store.study(j.study_uid)?.queued_at;
        if (queuedAt) metrics.observeJobLatency((now - queuedAt) / 1000);
        log.info({ study: hashUid(j.study_uid), flagged: r.outcome.flagged, worker: job.processedBy ?? null }, 'scored');
      } else if (state === 'failed') {
        const { code, message } = decodeFailure(job.failedReason);
        store.markRunning(j.study_uid, attempt, Date.now());
        store.failJob(j.study_uid, attempt, code, message, Date.now(), { maxAttempts: 1, retryBaseMs: 0, retryable: false });
        metrics.jobsFailed++;
        log.warn({ study: hashUid(j.study_uid), code }, 'scoring failed');
      }
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
