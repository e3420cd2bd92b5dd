/**
 * `ichscan view`'s service: `ichscan serve` on 127.0.0.1 only, HTTP only (no DICOM listener, no
 * TLS), stable age 0, a data dir given or made fresh under the OS temp dir, and one random
 * read-only token made for this run — held in memory only: never written to the data dir, a
 * file or the log. The job runner waits until the files are in (`startJobs`), so a study is
 * scored once, complete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIchError, toIchError } from '../core/errors.js';
import { resolveConfig } from './config.js';
import { startService, type RunningService, type StartOptions } from './start-service.js';
import type { StudyRow, ServeStore } from './store/serve-store.js';
import { parseTokens } from './tokens.js';

export interface ViewSessionOptions {
  /** Kept after the run when given; a fresh temp dir (removed on close) otherwise. */
  dataDir?: string;
  /** 0 = any free port. */
  port: number;
  modelDir?: string;
  cwd: string;
  engine?: StartOptions['engine'];
}

export interface ViewSession {
  service: RunningService;
  /** The run's bearer token (read scope). */
  token: string;
  port: number;
  dataDir: string;
  /** `http://127.0.0.1:PORT/#token=…`: the fragment stays in the browser, it is never sent to the server. */
  url: string;
  close(): Promise<void>;
}

export async function openViewSession(o: ViewSessionOptions): Promise<ViewSession> {
  const created = o.dataDir === undefined;
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'ichscan-view-'));
  const token = randomBytes(24).toString('base64url');
  try {
    // tokenFile is required by the config type; it is never read (the token is passed in memory)
    const config = resolveConfig({}, { dataDir, tokenFile: join(dataDir, 'no-token-file'), httpPort: o.port, dicomPort: null, host: '127.0.0.1', stableAgeS: 0, modelDir: o.modelDir, tlsCert: null, tlsKey: null }, o.cwd);
    const service = await startService(config, { logLevel: 'error', cwd: o.cwd, tokens: parseTokens(`read:${token}`), deferJobs: true, ...(o.engine ? { engine: o.engine } : {}) });
    const port = service.httpPort;
    return {
      service,
      token,
      port,
      dataDir: config.dataDir,
      url: `http://127.0.0.1:${port}/#token=${token}`,
      async close() {
        await service.close();
        if (created) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    if (created) rmSync(dataDir, { recursive: true, force: true });
    // a port in use (EADDRINUSE) is a configuration problem, not an internal error
    throw isIchError(e) ? e : toIchError(e, 'ICH_E_CONFIG');
  }
}

/** Polls until every study is done or failed (or `shouldStop`); `onProgress(finished, total)` on each change. */
export async function waitForScoring(store: ServeStore, studyUids: readonly string[], onProgress: (finished: number, total: number) => void, shouldStop: () => boolean): Promise<StudyRow[]> {
  let last = -1;
  for (;;) {
    const rows = studyUids.map((u) => store.study(u)).filter((r): r is StudyRow => r !== undefined);
    const finished = rows.filter((r) => r.status === 'done' || r.status === 'failed').length;
    if (finished !== last) onProgress(finished, studyUids.length);
    last = finished;
    if (finished === studyUids.length || shouldStop()) return rows;
    await new Promise((r) => setTimeout(r, 250));
  }
}
