/**
 * A running `ichscan serve`: the HTTP app listening, the C-STORE SCP, the model opened once (kept
 * open for the process's life) and the embedded job runner — or, with `redisUrl`, no model: jobs go
 * to BullMQ and `ichscan worker` processes score them. `close()` stops taking work, waits
 * for the job in hand and closes everything.
 */
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModelDir } from '../model/card/model-card.js';
import { openScorer, type OpenScorerOptions, type SeriesScorer } from '../infer/scorer.js';
import type { ServeConfig } from './config.js';
import { createServeContext, type ServeContext } from './context.js';
import { startStoreScp, type StoreScpHandle } from './dimse/store-scp.js';
import { readDicomTlsOptions } from './dimse/dicom-tls.js';
import { checkServiceCertificate, EXPIRY_WARNING_MS } from './tls-certificate.js';
import { buildApp } from './http/build-app.js';
import type { LogLevel } from './log.js';
import { JobRunner } from './pipeline/run-jobs.js';
import { startRetention } from './retention.js';
import { RedisScoring } from './queue/redis-scoring.js';
import type { TokenEntry } from './tokens.js';

export interface RunningService {
  ctx: ServeContext;
  /** The HTTP port actually bound (config.httpPort, or the one picked for 0). */
  httpPort: number;
  /** Starts the job runner when `deferJobs` held it back (no-op otherwise). */
  startJobs(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  logLevel?: LogLevel;
  cwd?: string;
  engine?: Pick<OpenScorerOptions, 'threads' | 'provider'>;
  /** Tokens held in memory (`ichscan view`); default: read from config.tokenFile. */
  tokens?: TokenEntry[];
  /** Open the model but leave the job runner stopped until `startJobs()` (`ichscan view` ingests first). */
  deferJobs?: boolean;
}

export async function startService(config: ServeConfig, opts: StartOptions = {}): Promise<RunningService> {
  // read before anything listens: a bad certificate path is a configuration error, not half a service
  const dicomTls = config.dicomTls && config.dicomPort !== null ? readDicomTlsOptions(config, 'server') : undefined;
  const certificate = config.tlsCert ? checkServiceCertificate(config.tlsCert) : undefined;
  const ctx = createServeContext(config, opts.logLevel ?? 'info', opts.tokens);
  if (certificate) {
    ctx.metrics.certificateExpirySeconds = Math.floor(certificate.notAfterMs / 1000);
    if (certificate.notAfterMs - Date.now() < EXPIRY_WARNING_MS) ctx.log.warn({ daysLeft: certificate.daysLeft, notAfter: new Date(certificate.notAfterMs).toISOString() }, 'the TLS certificate expires soon');
  }
  // partial receives (and, embedded, result staging) left by a killed process are orphans; in Redis
  // mode workers stage results in the data dir too, so their folder is left alone
  for (const d of config.redisUrl ? ['incoming'] : ['incoming', 'results-tmp']) rmSync(join(config.dataDir, d), { recursive: true, force: true });
  const app = buildApp(config, ctx);
  await app.listen({ port: config.httpPort, host: config.host });
  const httpPort = (app.server.address() as AddressInfo).port;
  let scp: StoreScpHandle | undefined;
  if (config.dicomPort !== null) scp = startStoreScp(ctx, config.dicomPort, config.host, dicomTls);
  ctx.log.info({ httpPort, dicomPort: config.dicomPort, dicomTls: dicomTls !== undefined, host: config.host, ae: config.aeTitle }, 'listening');
  let scorer: SeriesScorer | undefined;
  let runner: JobRunner | undefined;
  const retention = startRetention(ctx);
  let redis: RedisScoring | undefined;
  try {
    if (config.redisUrl) {
      redis = new RedisScoring(ctx, config.redisUrl);
      runner = new JobRunner({ ...ctx, redis });
    } else {
      scorer = await openScorer(resolveModelDir(config.modelDir, opts.cwd ?? process.cwd()), { ...opts.engine, onStatus: (line) => ctx.log.info({}, line) });
      runner = new JobRunner({ ...ctx, scorer });
    }
    if (!opts.deferJobs) runner.start();
  } catch (e) {
    retention.stop();
    scp?.close();
    await redis?.close();
    await app.close();
    ctx.store.close();
    throw e;
  }
  let started = !opts.deferJobs;
  return {
    ctx,
    httpPort,
    startJobs() {
      if (started) return;
      started = true;
      runner?.start();
    },
    async close() {
      retention.stop();
      await runner?.stop();
      await redis?.close();
      scp?.close();
      await app.close();
      await scorer?.dispose();
      ctx.store.close();
    },
  };
}
