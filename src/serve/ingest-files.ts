/**
 * Files named on the command line (`ichscan view`) into the store through the same path as
 * STOW-RS and C-STORE: each file is *copied* to a temporary file in the data dir and filed by
 * `ingestInstance` (the source is only read — never moved or modified). Folders are walked
 * recursively (DICOM files often have no extension); files that are not DICOM are refused and counted.
 */
import { copyFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toIchError, type IchErrorCode } from '../core/errors.js';
import { ingestInstance, tempInstancePath, type IngestContext } from './ingest-instance.js';

export interface IngestProgress {
  done: number;
  total: number;
  stored: number;
  /** ichscan's own results among the inputs: acknowledged, not filed. */
  ignored: number;
  refused: number;
  elapsedMs: number;
}

export interface IngestFilesResult extends IngestProgress {
  /** Study Instance UIDs with at least one stored instance, in first-seen order. */
  studies: string[];
  /** Refusal codes and how often each occurred. */
  refusals: Record<string, number>;
}

/** Every regular file under the given files and folders, sorted; ICH_E_FILE_NOT_FOUND for a missing path. */
export function listInputFiles(paths: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw toIchError(e, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'ICH_E_FILE_NOT_FOUND' : 'ICH_E_FILE_READ', p);
    }
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else if (st.isFile()) out.push(p);
  };
  for (const p of paths) walk(resolve(cwd, p));
  return [...new Set(out)];
}

/** Copies and files `files`; `onProgress` is called after each file. Yields to the event loop between files (the HTTP side keeps answering). */
export async function ingestFiles(ctx: IngestContext, files: readonly string[], onProgress: (p: IngestProgress) => void, shouldStop: () => boolean = () => false): Promise<IngestFilesResult> {
  const t0 = Date.now();
  const studies = new Set<string>();
  const refusals: Record<string, number> = {};
  const p: IngestProgress = { done: 0, total: files.length, stored: 0, ignored: 0, refused: 0, elapsedMs: 0 };
  for (const file of files) {
    if (shouldStop()) break;
    const bytes = statSync(file).size;
    let code: IchErrorCode | undefined;
    if (bytes > ctx.config.maxInstanceBytes) {
      code = 'ICH_E_TOO_LARGE'; // as STOW-RS refuses an instance over maxInstanceBytes
      ctx.metrics.countRefused(code);
    } else {
      const tmp = tempInstancePath(ctx.config.dataDir);
      copyFileSync(file, tmp);
      const r = ingestInstance(ctx, tmp, bytes, 'file');
      if (!r.ok) code = r.error.code;
      else if (r.ignored) p.ignored++;
      else {
        p.stored++;
        studies.add(r.header.studyUid);
      }
    }
    if (code !== undefined) {
      p.refused++;
      refusals[code] = (refusals[code] ?? 0) + 1;
    }
    p.done++;
    p.elapsedMs = Date.now() - t0;
    onProgress({ ...p });
    if (p.done % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  return { ...p, studies: [...studies], refusals };
}
