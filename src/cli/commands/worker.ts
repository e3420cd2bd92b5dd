/**
 * `ichscan worker --redis URL`: takes scoring jobs of `ichscan serve --redis URL` from BullMQ and
 * scores them with the model opened once; runs until SIGINT/SIGTERM. The server's data dir must
 * be mounted at the same path here (jobs name files by absolute path). Logic in src/serve/queue.
 */
import { hostname } from 'node:os';
import type { Command } from '../command.js';
import { getInt, getString, requireString } from '../args.js';
import { resolveModelDir } from '../../model/card/model-card.js';
import { openScorer } from '../../infer/scorer.js';
import { startScoreWorker } from '../../serve/queue/score-worker.js';
import { createServeLog, type LogLevel } from '../../serve/log.js';
import { ichError } from '../../core/errors.js';
import { ENGINE_FLAGS, parseEngineOptions } from './infer-flags.js';

export const workerCommand: Command = {
  spec: {
    name: 'worker',
    summary: 'Score the jobs of `ichscan serve --redis` (BullMQ worker; run several to scale out)',
    usage: 'ichscan worker --redis redis://host:port [--model default] [--concurrency 1] [--lock-ms 30000]',
    flags: {
      redis: { type: 'string', arg: '<url>', help: 'Redis of the server (redis://host:port)' },
      model: { type: 'string', arg: '<dir|name>', help: 'Model folder or shipped model name (same model as the server expects)', default: 'default' },
      concurrency: { type: 'number', arg: '<n>', help: 'Jobs scored at once in this process (the model already uses every core)', default: 1 },
      'lock-ms': { type: 'number', arg: '<ms>', help: "Job lock duration: a killed worker's job moves to another worker after about this long", default: 30000 },
      'log-level': { type: 'string', arg: '<level>', help: 'debug, info, warn, error or silent (JSON lines on stderr; UIDs hashed)', default: 'info' },
      ...ENGINE_FLAGS,
    },
  },
  async run(args, io) {
    const redisUrl = requireString(args, 'redis');
    const level = getString(args, 'log-level') ?? 'info';
    if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) throw ichError('ICH_E_USAGE', `--log-level must be debug, info, warn, error or silent, got "${level}"`);
    const log = createServeLog(level as LogLevel);
    const scorer = await openScorer(resolveModelDir(getString(args, 'model'), io.cwd), { ...parseEngineOptions(args), onStatus: (line) => log.info({}, line) });
    const name = `${hostname()}-${process.pid}`;
    const worker = startScoreWorker({ redisUrl, scorer, log, concurrency: getInt(args, 'concurrency', 1, 16) ?? 1, lockDurationMs: getInt(args, 'lock-ms', 1000) ?? 30000, name });
    log.info({ name }, 'worker ready');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await worker.close();
    await scorer.dispose();
    return 0;
  },
};
