/**
 * Delivery of a study's results to each `--forward-to` destination: a `pending` delivery row per
 * study + destination is tried (all result files in one association), retried after
 * retryBaseMs·2^(attempt−1), and `failed` with its ICH_E_DELIVERY message after
 * maxDeliveryAttempts. The row is the delivery state the API shows.
 */
import { join } from 'node:path';
import { toIchError } from '../../core/errors.js';
import type { DicomDestination, ServeConfig } from '../config.js';
import { sendByCStore } from '../dimse/store-scu.js';
import type { ServeLog } from '../log.js';
import type { ServeMetrics } from '../metrics.js';
import { hashUid } from '../phi.js';
import type { ServeStore } from '../store/serve-store.js';
import type { ResultFile } from './score-study.js';

export function destinationKey(d: DicomDestination): string {
  return `${d.aeTitle}@${d.host}:${d.port}`;
}

export interface ForwardDeps {
  config: ServeConfig;
  store: ServeStore;
  metrics: ServeMetrics;
  log: ServeLog;
}

/** Tries every due delivery once; resolves when they are done. */
export async function forwardDueResults(deps: ForwardDeps, now = Date.now()): Promise<number> {
  const { config, store, metrics, log } = deps;
  const byKey = new Map(config.forwardTo.map((d) => [destinationKey(d), d]));
  let tried = 0;
  for (const row of store.dueDeliveries(now)) {
    const dest = byKey.get(row.destination);
    if (!dest) continue; // destination no longer configured: left pending
    const result = store.latestResult(row.study_uid);
    if (!result) continue;
    const files = (JSON.parse(result.files) as ResultFile[]).map((f) => join(config.dataDir, f.path));
    tried++;
    try {
      await sendByCStore(dest, config.aeTitle, files);
      store.markDelivered(row.study_uid, row.destination, Date.now());
      metrics.deliveriesSent++;
      log.info({ study: hashUid(row.study_uid), destination: row.destination, files: files.length }, 'results delivered');
    } catch (e) {
      const err = toIchError(e, 'ICH_E_DELIVERY');
      metrics.deliveryFailures++;
      const state = store.markDeliveryAttemptFailed(row, err.message, Date.now(), { maxAttempts: config.maxDeliveryAttempts, retryBaseMs: config.retryBaseMs });
      log.warn({ study: hashUid(row.study_uid), destination: row.destination, code: err.code, state }, 'delivery attempt failed');
    }
  }
  return tried;
}
