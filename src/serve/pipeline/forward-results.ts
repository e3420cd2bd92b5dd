/**
 * Delivery of a study's results to each `--forward-to` (C-STORE) and `--stow-to` (STOW-RS)
 * destination, and the webhook for flagged studies: a `pending` delivery row per
 * study + destination is tried (all result files in one association), retried after
 * retryBaseMs·2^(attempt−1), and `failed` with its ICH_E_DELIVERY message after
 * maxDeliveryAttempts. The row is the delivery state the API shows.
 */
import { join } from 'node:path';
import { toIchError } from '../../core/errors.js';
import type { DicomDestination, ServeConfig } from '../config.js';
import { sendByCStore } from '../dimse/store-scu.js';
import { readDicomTlsOptions } from '../dimse/dicom-tls.js';
import type { ServeLog } from '../log.js';
import type { ServeMetrics } from '../metrics.js';
import { hashUid } from '../phi.js';
import type { ServeStore } from '../store/serve-store.js';
import type { ResultFile } from './score-study.js';
import { publicUrl, sendByStow, sendWebhook } from './deliver-http.js';

/** The webhook's JSON: what a worklist or paging system needs to act on a flagged study. */
function webhookPayload(store: ServeStore, studyUid: string, filesJson: string): Record<string, unknown> {
  const s = store.study(studyUid);
  return {
    event: 'study.flagged',
    studyInstanceUid: studyUid,
    anyProbability: s?.any_probability ?? null,
    subtypes: s?.subtypes ? (JSON.parse(s.subtypes) as string[]) : [],
    volumeMl: s?.volume_ml ?? null,
    finishedAt: s?.finished_at ? new Date(s.finished_at).toISOString() : null,
    results: (JSON.parse(filesJson) as ResultFile[]).map((f) => ({ kind: f.kind, sopInstanceUid: f.sopInstanceUid, seriesInstanceUid: f.seriesInstanceUid })),
    notice: 'NOT FOR DIAGNOSTIC USE',
  };
}

export function destinationKey(d: DicomDestination): string {
  return `${d.tls ? 'tls:' : ''}${d.aeTitle}@${d.host}:${d.port}`;
}

/** How one delivery is made, by its name in the deliveries table. */
type Target = { kind: 'cstore'; dest: DicomDestination } | { kind: 'stow'; url: string } | { kind: 'webhook'; url: string };

function configuredTargets(config: ServeConfig): Map<string, Target> {
  const m = new Map<string, Target>();
  for (const d of config.forwardTo) m.set(destinationKey(d), { kind: 'cstore', dest: d });
  for (const u of config.stowTo) m.set(`stow:${publicUrl(u)}`, { kind: 'stow', url: u });
  if (config.webhook) m.set(`webhook:${publicUrl(config.webhook)}`, { kind: 'webhook', url: config.webhook });
  return m;
}

/** The deliveries a scored study gets: every C-STORE and STOW-RS destination; the webhook when flagged. */
export function deliveryNames(config: ServeConfig, flagged: boolean): string[] {
  return [...configuredTargets(config).entries()].filter(([, t]) => t.kind !== 'webhook' || flagged).map(([k]) => k);
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
  const byKey = configuredTargets(config);
  let tried = 0;
  for (const row of store.dueDeliveries(now)) {
    const dest = byKey.get(row.destination);
    if (!dest) continue; // destination no longer configured: left pending
    const result = store.latestResult(row.study_uid);
    if (!result) continue;
    const files = (JSON.parse(result.files) as ResultFile[]).map((f) => join(config.dataDir, f.path));
    tried++;
    try {
      // the PEM files are read per delivery, so a renewed certificate is used without a restart
      if (dest.kind === 'cstore') await sendByCStore(dest.dest, config.aeTitle, files, dest.dest.tls ? readDicomTlsOptions(config, 'client') : undefined);
      else if (dest.kind === 'stow') await sendByStow(dest.url, files);
      else await sendWebhook(dest.url, webhookPayload(store, row.study_uid, result.files));
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
