/**
 * The embedded worker loop: every tick, studies quiet for `stableAgeS` are queued, then the next
 * due job is scored (one at a time: the model runs on every core already) and due deliveries are
 * tried. A job's outcome — result row, study row, deliveries opened — is one transaction.
 */
import { toIchError } from '../../core/errors.js';
import type { SeriesScorer } from '../../infer/scorer.js';
import type { RedisScoring } from '../queue/redis-scoring.js';
import type { ServeConfig } from '../config.js';
import type { ServeLog } from '../log.js';
import type { ServeMetrics } from '../metrics.js';
import { hashUid } from '../phi.js';
import type { ServeStore } from '../store/serve-store.js';
import { deliveryNames, forwardDueResults } from './forward-results.js';
import { chooseSeriesFiles, PERMANENT_CODES, scoreSeriesFiles } from './score-study.js';

export interface RunnerDeps {
  config: ServeConfig;
  store: ServeStore;
  metrics: ServeMetrics;
  log: ServeLog;
  /** Embedded mode: the model, opened once. */
  scorer?: SeriesScorer;
  /** Redis mode: jobs go to BullMQ workers instead. */
  redis?: RedisScoring;
}

/** Poll period, ms. */
const TICK_MS = 200;

export class JobRunner {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: RunnerDeps) {}

  start(): void {
    // in Redis mode running jobs belong to workers (BullMQ's stalled check recovers them)
    const n = this.deps.redis ? 0 : this.deps.store.recoverRunning(Date.now());
    if (n > 0) this.deps.log.info({ jobs: n }, 'jobs left running by a previous process queued again');
    this.timer = setInterval(() => this.kick(), TICK_MS);
  }

  /** Runs one tick unless one is still running. */
  kick(): void {
    if (this.busy || this.stopped) return;
    // a failed tick (Redis down, database busy) is logged and retried on the next one, never thrown
    this.busy = this.tick()
      .catch((e: unknown) => this.deps.log.warn({ code: toIchError(e, 'ICH_E_QUEUE').code }, 'tick failed; retrying'))
      .finally(() => {
        this.busy = undefined;
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.busy;
  }

  private async tick(): Promise<void> {
    const { store, config, log } = this.deps;
    const redis = this.deps.redis;
    for (const uid of store.queueStableStudies(Date.now(), config.stableAgeS * 1000)) {
      log.info({ study: hashUid(uid) }, 'study complete, queued');
      if (redis) await redis.enqueue(uid);
    }
    if (redis) {
      await redis.poll().catch((e: unknown) => log.warn({ code: toIchError(e, 'ICH_E_QUEUE').code }, 'Redis poll failed'));
    } else {
      const job = store.claimJob(Date.now());
      if (job) await this.runJob(job.studyUid, job.attempt);
    }
    if (config.forwardTo.length + config.stowTo.length > 0 || config.webhook) await forwardDueResults(this.deps);
  }

  private async runJob(studyUid: string, attempt: number): Promise<void> {
    const { store, config, metrics, log } = this.deps;
    const scorer = this.deps.scorer as SeriesScorer;
    const study = hashUid(studyUid);
    log.info({ study, attempt }, 'scoring');
    try {
      const chosen = chooseSeriesFiles(store, studyUid);
      const { outcome, summary, files } = await scoreSeriesFiles({ dataDir: config.dataDir, uidRoot: config.uidRoot, scorer }, studyUid, chosen);
      const now = Date.now();
      store.db.transaction(() => {
        store.saveResult(studyUid, outcome.seriesUid, summary.model.version, summary, files, now);
        store.finishJob(studyUid, outcome, now);
        store.openDeliveries(studyUid, deliveryNames(config, outcome.flagged), now);
      })();
      metrics.jobsFinished++;
      const queuedAt = store.study(studyUid)?.queued_at;
      if (queuedAt) metrics.observeJobLatency((now - queuedAt) / 1000);
      log.info({ study, flagged: outcome.flagged }, 'scored');
    } catch (e) {
      const err = toIchError(e, 'ICH_E_INTERNAL');
      const state = store.failJob(studyUid, attempt, err.code, err.message.replaceAll(config.dataDir, '<data-dir>'), Date.now(), { maxAttempts: config.maxAttempts, retryBaseMs: config.retryBaseMs, retryable: !PERMANENT_CODES.includes(err.code) });
      if (state === 'retry') metrics.jobRetries++;
      else metrics.jobsFailed++;
      log.warn({ study, code: err.code, state }, 'scoring failed');
    }
  }
}
