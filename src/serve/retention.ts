/**
 * Retention of received images: with `retentionDays` > 0, the instance files of studies done or
 * failed more than that many days ago are deleted (results and the study row are kept; a re-sent
 * study arrives afresh). Checked hourly.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ServeContext } from './context.js';

const SWEEP_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes expired instance files now; returns how many studies were purged. */
export function purgeExpiredInstances(ctx: ServeContext, now = Date.now()): number {
  if (ctx.config.retentionDays <= 0) return 0;
  const cutoff = now - ctx.config.retentionDays * DAY_MS;
  const rows = ctx.store.db.prepare("SELECT study_uid FROM studies WHERE status IN ('done','failed') AND finished_at IS NOT NULL AND finished_at < ?").all(cutoff) as { study_uid: string }[];
  for (const r of rows) {
    const files = ctx.store.instancesOf(r.study_uid);
    for (const f of files) rmSync(f.path, { force: true });
    if (files[0]) rmSync(dirname(files[0].path), { recursive: true, force: true });
    ctx.store.db.prepare('DELETE FROM instances WHERE study_uid = ?').run(r.study_uid);
  }
  return rows.length;
}

export function startRetention(ctx: ServeContext): { stop(): void } {
  if (ctx.config.retentionDays <= 0) return { stop() {} };
  purgeExpiredInstances(ctx);
  const t = setInterval(() => purgeExpiredInstances(ctx), SWEEP_MS);
  t.unref();
  return { stop: () => clearInterval(t) };
}
