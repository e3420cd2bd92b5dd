/**
 * Every state change of the service as one SQLite transaction (schema.ts): instance arrival,
 * stability → queued, job claim/finish/retry/fail (the embedded queue), results, deliveries.
 * A study's `status` is what the worklist shows; its job row is what the queue runs.
 * Restart rule: a job left `running` by a killed process is queued again (`recoverRunning`).
 */
import type Database from 'better-sqlite3';
import { ichError, type IchErrorCode } from '../../core/errors.js';
import { digestUid } from '../phi.js';
import { openServeDb } from './schema.js';

export type StudyStatus = 'received' | 'queued' | 'scoring' | 'done' | 'failed';

export interface StudyRow {
  study_uid: string;
  digest: string;
  status: StudyStatus;
  arrived_at: number;
  last_instance_at: number;
  queued_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  instances: number;
  flagged: number | null;
  any_probability: number | null;
  subtypes: string | null;
  volume_ml: number | null;
  series_uid: string | null;
  skipped: string | null;
  error_code: string | null;
  error_message: string | null;
  /** PatientAge (AS) / PatientSex of the study's instances; null in rows from before they were kept. */
  patient_age: string | null;
  patient_sex: string | null;
  /** JSON array of the latest result's warnings; null before scoring and in rows from before they were kept. */
  warnings?: string | null;
}

/** What the worklist shows of a patient: age and sex only (no name or ID). */
export interface PatientSummary {
  age: string | null;
  sex: string | null;
}

export interface InstanceRow {
  sop_uid: string;
  study_uid: string;
  series_uid: string;
  path: string;
  bytes: number;
  header: string;
}

export interface DeliveryRow {
  study_uid: string;
  destination: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_at: number;
  delivered_at: number | null;
  error_code: string | null;
  error_message: string | null;
}

export interface JobClaim {
  studyUid: string;
  /** 1 on the first run. */
  attempt: number;
}

/** What a finished scoring writes onto the study row. */
export interface StudyOutcome {
  seriesUid: string;
  flagged: boolean;
  anyProbability: number;
  subtypes: string[];
  volumeMl: number | null;
  /** What the reader must know (e.g. scored on a contrast-enhanced series); shown on the worklist. Absent = none. */
  warnings?: string[];
}

export interface AdmissionLimits {
  maxInstancesPerStudy: number;
  maxQueuedStudies: number;
}

export class ServeStore {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = openServeDb(file);
  }

  close(): void {
    this.db.close();
  }

  /** Throws ICH_E_TOO_MANY when the instance would exceed a limit (a re-sent instance never does). */
  checkAdmission(studyUid: string, sopUid: string, limits: AdmissionLimits): void {
    if (this.db.prepare('SELECT 1 FROM instances WHERE sop_uid = ?').get(sopUid)) return;
    const study = this.db.prepare('SELECT instances, status FROM studies WHERE study_uid = ?').get(studyUid) as { instances: number; status: StudyStatus } | undefined;
    if (study && study.instances >= limits.maxInstancesPerStudy) throw ichError('ICH_E_TOO_MANY', `a study may hold at most ${limits.maxInstancesPerStudy} instances`);
    const waiting = study && (study.status === 'received' || study.status === 'queued');
    if (!waiting && this.countWaiting() >= limits.maxQueuedStudies) throw ichError('ICH_E_TOO_MANY', `${limits.maxQueuedStudies} studies are already waiting to be scored`);
  }

  /** Studies received or queued, not yet scoring. */
  countWaiting(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM studies WHERE status IN ('received','queued')").get() as { n: number }).n;
  }

  /**
   * Records an instance (its file already in place). A new or changed instance re-opens a finished
   * study; the same instance re-sent (same SOP Instance UID and size) leaves the study as it is.
   */
  recordInstance(i: Omit<InstanceRow, 'header'> & { header: unknown }, now: number, patient?: PatientSummary): { newInstance: boolean } {
    return this.db.transaction(() => {
      const old = this.db.prepare('SELECT bytes FROM instances WHERE sop_uid = ?').get(i.sop_uid) as { bytes: number } | undefined;
      const existed = old !== undefined;
      if (old && old.bytes === i.bytes && this.db.prepare('SELECT 1 FROM studies WHERE study_uid = ?').get(i.study_uid)) return { newInstance: false };
      this.db
        .prepare('INSERT INTO instances (sop_uid, study_uid, series_uid, path, bytes, received_at, header) VALUES (?,?,?,?,?,?,?) ON CONFLICT(sop_uid) DO UPDATE SET path = excluded.path, bytes = excluded.bytes, received_at = excluded.received_at, header = excluded.header')
        .run(i.sop_uid, i.study_uid, i.series_uid, i.path, i.bytes, now, JSON.stringify(i.header));
      this.db
        .prepare(
          `INSERT INTO studies (study_uid, digest, status, arrived_at, last_instance_at, instances) VALUES (?, ?, 'received', ?, ?, ?)
           ON CONFLICT(study_uid) DO UPDATE SET status = 'received', last_instance_at = excluded.last_instance_at, instances = instances + excluded.instances`,
        )
        .run(i.study_uid, digestUid(i.study_uid), now, now, existed ? 0 : 1);
      if (patient) this.db.prepare('UPDATE studies SET patient_age = COALESCE(?, patient_age), patient_sex = COALESCE(?, patient_sex) WHERE study_uid = ?').run(patient.age, patient.sex, i.study_uid);
      return { newInstance: !existed };
    })();
  }

  /** Received studies quiet for `stableAgeMs` → queued (job reset to attempt 0). Returns their UIDs. */
  queueStableStudies(now: number, stableAgeMs: number): string[] {
    return this.db.transaction(() => {
      const rows = this.db.prepare("SELECT study_uid FROM studies WHERE status = 'received' AND last_instance_at <= ?").all(now - stableAgeMs) as { study_uid: string }[];
      for (const r of rows) {
        this.db.prepare("UPDATE studies SET status = 'queued', queued_at = ?, error_code = NULL, error_message = NULL WHERE study_uid = ?").run(now, r.study_uid);
        this.db
          .prepare("INSERT INTO jobs (study_uid, state, attempts, next_run_at) VALUES (?, 'queued', 0, ?) ON CONFLICT(study_uid) DO UPDATE SET state = 'queued', attempts = 0, next_run_at = excluded.next_run_at, error_code = NULL, error_message = NULL")
          .run(r.study_uid, now);
      }
      return rows.map((r) => r.study_uid);
    })();
  }

  /** Takes the next due job (oldest due first) and marks it running. */
  claimJob(now: number): JobClaim | undefined {
    return this.db.transaction(() => {
      const job = this.db.prepare("SELECT study_uid, attempts FROM jobs WHERE state = 'queued' AND next_run_at <= ? ORDER BY next_run_at LIMIT 1").get(now) as { study_uid: string; attempts: number } | undefined;
      if (!job) return undefined;
      this.db.prepare("UPDATE jobs SET state = 'running', attempts = attempts + 1, runs = runs + 1 WHERE study_uid = ?").run(job.study_uid);
      this.db.prepare("UPDATE studies SET status = 'scoring', started_at = ? WHERE study_uid = ? AND status = 'queued'").run(now, job.study_uid);
      return { studyUid: job.study_uid, attempt: job.attempts + 1 };
    })();
  }

  /** After a crash: running jobs are queued again (they re-run from the start; results are idempotent). */
  recoverRunning(now: number): number {
    return this.db.transaction(() => {
      const n = this.db.prepare("UPDATE jobs SET state = 'queued', next_run_at = ? WHERE state = 'running'").run(now).changes;
      this.db.prepare("UPDATE studies SET status = 'queued' WHERE status = 'scoring'").run();
      return n;
    })();
  }

  /** Scoring succeeded: the study row carries the outcome (unless new instances re-opened it meanwhile). */
  finishJob(studyUid: string, outcome: StudyOutcome, now: number): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE jobs SET state = 'done', error_code = NULL, error_message = NULL WHERE study_uid = ? AND state = 'running'").run(studyUid);
      this.db
        .prepare("UPDATE studies SET flagged = ?, any_probability = ?, subtypes = ?, volume_ml = ?, series_uid = ?, warnings = ?, finished_at = ?, error_code = NULL, error_message = NULL, status = CASE WHEN status = 'scoring' THEN 'done' ELSE status END WHERE study_uid = ?")
        .run(outcome.flagged ? 1 : 0, outcome.anyProbability, JSON.stringify(outcome.subtypes), outcome.volumeMl, outcome.seriesUid, JSON.stringify(outcome.warnings ?? []), now, studyUid);
    })();
  }

  /** Scoring failed: retried after retryBaseMs·2^(attempt−1), or failed for good with its code. */
  failJob(studyUid: string, attempt: number, code: IchErrorCode, message: string, now: number, o: { maxAttempts: number; retryBaseMs: number; retryable: boolean }): 'retry' | 'failed' {
    const retry = o.retryable && attempt < o.maxAttempts;
    this.db.transaction(() => {
      if (retry) {
        this.db.prepare("UPDATE jobs SET state = 'queued', next_run_at = ?, error_code = ?, error_message = ? WHERE study_uid = ? AND state = 'running'").run(now + o.retryBaseMs * 2 ** (attempt - 1), code, message, studyUid);
        this.db.prepare("UPDATE studies SET status = CASE WHEN status = 'scoring' THEN 'queued' ELSE status END, error_code = ?, error_message = ? WHERE study_uid = ?").run(code, message, studyUid);
      } else {
        this.db.prepare("UPDATE jobs SET state = 'failed', error_code = ?, error_message = ? WHERE study_uid = ? AND state = 'running'").run(code, message, studyUid);
        this.db.prepare("UPDATE studies SET status = CASE WHEN status = 'scoring' THEN 'failed' ELSE status END, finished_at = ?, error_code = ?, error_message = ? WHERE study_uid = ?").run(now, code, message, studyUid);
      }
    })();
    return retry ? 'retry' : 'failed';
  }

  /** Redis mode: the BullMQ job id now carrying the study. */
  setExternalJob(studyUid: string, jobId: string): void {
    this.db.prepare('UPDATE jobs SET external_id = ? WHERE study_uid = ?').run(jobId, studyUid);
  }

  /** Redis mode: jobs handed to BullMQ and not finished here yet. */
  externalJobsInFlight(): { study_uid: string; external_id: string | null; state: 'queued' | 'running'; attempts: number }[] {
    return this.db.prepare("SELECT study_uid, external_id, state, attempts FROM jobs WHERE state IN ('queued','running')").all() as ReturnType<ServeStore['externalJobsInFlight']>;
  }

  /** Redis mode: a worker took the job (the study shows as scoring). */
  markRunning(studyUid: string, attempt: number, now: number): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE jobs SET state = 'running', attempts = ?, runs = runs + 1 WHERE study_uid = ? AND state = 'queued'").run(attempt, studyUid);
      this.db.prepare("UPDATE studies SET status = 'scoring', started_at = ? WHERE study_uid = ? AND status = 'queued'").run(now, studyUid);
    })();
  }

  setSkipped(studyUid: string, skipped: unknown): void {
    this.db.prepare('UPDATE studies SET skipped = ? WHERE study_uid = ?').run(JSON.stringify(skipped), studyUid);
  }

  /** One row per study + series + model version: a re-scored study replaces its row. */
  saveResult(studyUid: string, seriesUid: string, modelVersion: string, summary: unknown, files: unknown, now: number): void {
    this.db
      .prepare('INSERT INTO results (study_uid, series_uid, model_version, updated_at, summary, files) VALUES (?,?,?,?,?,?) ON CONFLICT(study_uid, series_uid, model_version) DO UPDATE SET updated_at = excluded.updated_at, summary = excluded.summary, files = excluded.files')
      .run(studyUid, seriesUid, modelVersion, now, JSON.stringify(summary), JSON.stringify(files));
  }

  /** The newest result of a study. */
  latestResult(studyUid: string): { series_uid: string; model_version: string; summary: string; files: string; updated_at: number } | undefined {
    return this.db.prepare('SELECT series_uid, model_version, summary, files, updated_at FROM results WHERE study_uid = ? ORDER BY updated_at DESC LIMIT 1').get(studyUid) as ReturnType<ServeStore['latestResult']>;
  }

  /** The model of each study's newest result (studies never scored are absent). */
  resultModels(): Map<string, { name: string; version: string }> {
    // SQLite: with MAX(), the bare columns come from the row holding the maximum
    const rows = this.db.prepare("SELECT study_uid, json_extract(summary, '$.model.name') AS name, json_extract(summary, '$.model.version') AS version, MAX(updated_at) FROM results GROUP BY study_uid").all() as { study_uid: string; name: string | null; version: string | null }[];
    return new Map(rows.map((r) => [r.study_uid, { name: r.name ?? '', version: r.version ?? '' }]));
  }

  /** Every study UID, oldest arrival first (QIDO-RS filters and pages them). */
  studyUids(): string[] {
    return (this.db.prepare('SELECT study_uid FROM studies ORDER BY arrived_at ASC, study_uid ASC').all() as { study_uid: string }[]).map((r) => r.study_uid);
  }

  countResults(studyUid: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM results WHERE study_uid = ?').get(studyUid) as { n: number }).n;
  }

  /** One received instance by SOP Instance UID. */
  instance(sopUid: string): InstanceRow | undefined {
    return this.db.prepare('SELECT sop_uid, study_uid, series_uid, path, bytes, header FROM instances WHERE sop_uid = ?').get(sopUid) as InstanceRow | undefined;
  }

  instancesOf(studyUid: string): InstanceRow[] {
    return this.db.prepare('SELECT sop_uid, study_uid, series_uid, path, bytes, header FROM instances WHERE study_uid = ?').all(studyUid) as InstanceRow[];
  }

  /** (Re)opens a pending delivery per destination for the study's newest results. */
  openDeliveries(studyUid: string, destinations: readonly string[], now: number): void {
    const stmt = this.db.prepare("INSERT INTO deliveries (study_uid, destination, state, attempts, next_at) VALUES (?, ?, 'pending', 0, ?) ON CONFLICT(study_uid, destination) DO UPDATE SET state = 'pending', attempts = 0, next_at = excluded.next_at, error_code = NULL, error_message = NULL, delivered_at = NULL");
    this.db.transaction(() => {
      for (const d of destinations) stmt.run(studyUid, d, now);
    })();
  }

  dueDeliveries(now: number): DeliveryRow[] {
    return this.db.prepare("SELECT * FROM deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at").all(now) as DeliveryRow[];
  }

  markDelivered(studyUid: string, destination: string, now: number): void {
    this.db.prepare("UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, error_code = NULL, error_message = NULL WHERE study_uid = ? AND destination = ?").run(now, studyUid, destination);
  }

  /** A failed attempt: retried after retryBaseMs·2^attempts, or failed once maxAttempts are spent. */
  markDeliveryAttemptFailed(d: DeliveryRow, message: string, now: number, o: { maxAttempts: number; retryBaseMs: number }): 'retry' | 'failed' {
    const attempts = d.attempts + 1;
    const state = attempts >= o.maxAttempts ? 'failed' : 'pending';
    this.db.prepare("UPDATE deliveries SET state = ?, attempts = ?, next_at = ?, error_code = 'ICH_E_DELIVERY', error_message = ? WHERE study_uid = ? AND destination = ?").run(state, attempts, now + o.retryBaseMs * 2 ** (attempts - 1), message, d.study_uid, d.destination);
    return state === 'failed' ? 'failed' : 'retry';
  }

  deliveriesOf(studyUid: string): DeliveryRow[] {
    return this.db.prepare('SELECT * FROM deliveries WHERE study_uid = ? ORDER BY destination').all(studyUid) as DeliveryRow[];
  }

  study(studyUid: string): StudyRow | undefined {
    return this.db.prepare('SELECT * FROM studies WHERE study_uid = ?').get(studyUid) as StudyRow | undefined;
  }

  /** Flagged first, then P(any) (unscored last), then arrival. */
  worklist(limit: number): StudyRow[] {
    return this.db.prepare('SELECT * FROM studies ORDER BY COALESCE(flagged, 0) DESC, COALESCE(any_probability, -1) DESC, arrived_at ASC LIMIT ?').all(limit) as StudyRow[];
  }

  /** Jobs queued or running (the queue depth metric). */
  queueDepth(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued','running')").get() as { n: number }).n;
  }

  countByStatus(): Record<string, number> {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM studies GROUP BY status').all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  countDeliveries(): { state: string; n: number }[] {
    return this.db.prepare('SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state').all() as { state: string; n: number }[];
  }
}
