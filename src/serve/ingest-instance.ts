/**
 * One received instance (already streamed to a temporary file inside the data dir) → filed under
 * `instances/<sha256(StudyUID)>/<sha256(SOPInstanceUID)>.dcm` (never a client-supplied name) and
 * recorded; limits checked first. The temporary file is removed on any refusal. An instance
 * re-sent unchanged (same SOP Instance UID, same size) replaces its file but does not re-open a
 * finished study; a new or changed one does (the study is scored again, its result row updated).
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { toIchError, type IchError } from '../core/errors.js';
import { MANUFACTURER } from '../dicom-out/common.js';
import type { ServeConfig } from './config.js';
import { digestUid, hashUid } from './phi.js';
import { readInstanceHeader, type InstanceHeader } from './read-instance-header.js';
import type { ServeStore } from './store/serve-store.js';
import type { ServeMetrics } from './metrics.js';
import type { ServeLog } from './log.js';

export interface IngestContext {
  config: ServeConfig;
  store: ServeStore;
  metrics: ServeMetrics;
  log: ServeLog;
}

/** A fresh temporary path inside the data dir (same file system, so the final rename is atomic). */
export function tempInstancePath(dataDir: string): string {
  const dir = join(dataDir, 'incoming');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${Date.now()}-${randomBytes(6).toString('hex')}.part`);
}

/** How the instance came in (`file`: `ichscan view` copying files given on its command line). */
export type IngestVia = 'dimse' | 'stow' | 'wado' | 'file';

/** `ignored`: one of ichscan's own results coming back (from a PACS or a pull): not filed, so it cannot re-open its study. */
export type IngestOutcome = { ok: true; header: InstanceHeader; ignored: boolean } | { ok: false; error: IchError };


export function ingestInstance(ctx: IngestContext, tmpPath: string, bytes: number, via: IngestVia): IngestOutcome {
  try {
    const h = readInstanceHeader(tmpPath);
    if (h.manufacturer === MANUFACTURER) {
      rmSync(tmpPath, { force: true });
      ctx.log.debug({ study: hashUid(h.studyUid), via }, 'own result ignored');
      return { ok: true, header: h, ignored: true };
    }
    ctx.store.checkAdmission(h.studyUid, h.sopUid, ctx.config);
    const dir = join(ctx.config.dataDir, 'instances', digestUid(h.studyUid));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${digestUid(h.sopUid)}.dcm`);
    renameSync(tmpPath, path);
    ctx.store.recordInstance({ sop_uid: h.sopUid, study_uid: h.studyUid, series_uid: h.seriesUid, path, bytes, header: h }, Date.now(), { age: h.patientAge || null, sex: h.patientSex || null });
    ctx.metrics.countInstance(via);
    ctx.log.debug({ study: hashUid(h.studyUid), via, bytes }, 'instance stored');
    return { ok: true, header: h, ignored: false };
  } catch (e) {
    rmSync(tmpPath, { force: true });
    const error = toIchError(e, 'ICH_E_FILE_READ');
    ctx.metrics.countRefused(error.code);
    ctx.log.warn({ via, code: error.code }, 'instance refused');
    return { ok: false, error };
  }
}
