/**
 * Every instance of a study that DICOMweb serves: the received ones (their header as recorded at
 * ingest) and the result objects ichscan wrote for the study's newest result (SR, SEG, key-image
 * SC, KOS in `results/<digest>/`, headers read from the files). Files already removed (retention)
 * are left out. Rows recorded before the header held the query attributes are re-read from the file.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ichError } from '../../core/errors.js';
import type { ServeContext } from '../context.js';
import type { ResultFile } from '../pipeline/score-study.js';
import { readInstanceHeader, type RecordedHeader } from '../read-instance-header.js';

export interface StudyInstance {
  path: string;
  header: RecordedHeader;
  /** A result ichscan wrote (its `kind`: sr, seg, sc, kos), or null for a received instance. */
  resultKind: string | null;
}

function headerOfRow(path: string, stored: string): RecordedHeader | undefined {
  const h = JSON.parse(stored) as Partial<RecordedHeader>;
  if (h.numberOfFrames !== undefined) return h as RecordedHeader;
  try {
    return readInstanceHeader(path);
  } catch {
    return undefined;
  }
}

/** The study's instances, or undefined when the study is unknown. Order: series, then instance number. */
export function listStudyInstances(ctx: Pick<ServeContext, 'store' | 'config'>, studyUid: string): StudyInstance[] | undefined {
  if (!ctx.store.study(studyUid)) return undefined;
  const out: StudyInstance[] = [];
  for (const row of ctx.store.instancesOf(studyUid)) {
    if (!existsSync(row.path)) continue;
    const header = headerOfRow(row.path, row.header);
    if (header) out.push({ path: row.path, header, resultKind: null });
  }
  const result = ctx.store.latestResult(studyUid);
  for (const f of result ? (JSON.parse(result.files) as ResultFile[]) : []) {
    const path = isAbsolute(f.path) ? f.path : join(ctx.config.dataDir, f.path);
    if (!existsSync(path)) continue;
    try {
      out.push({ path, header: readInstanceHeader(path), resultKind: f.kind });
    } catch {
      // a result file that no longer parses is not served (it is rewritten by the next scoring)
    }
  }
  return out.sort((a, b) => compareInstances(a.header, b.header));
}

const LAST = Number.MAX_SAFE_INTEGER;

function compareInstances(a: RecordedHeader, b: RecordedHeader): number {
  if (a.seriesUid !== b.seriesUid) return (a.seriesNumber ?? LAST) - (b.seriesNumber ?? LAST) || a.seriesUid.localeCompare(b.seriesUid);
  return (a.instanceNumber ?? LAST) - (b.instanceNumber ?? LAST) || a.sopUid.localeCompare(b.sopUid);
}

/** The instances of one study, optionally one series / one instance; ICH_E_STUDY_NOT_FOUND when nothing matches. */
export function selectInstances(ctx: Pick<ServeContext, 'store' | 'config'>, studyUid: string, seriesUid?: string, sopUid?: string): StudyInstance[] {
  // one received instance (a viewer asks for each slice's frames): straight from its row, no study listing
  const row = sopUid === undefined ? undefined : ctx.store.instance(sopUid);
  if (row && row.study_uid === studyUid && (seriesUid === undefined || row.series_uid === seriesUid) && existsSync(row.path)) {
    const header = headerOfRow(row.path, row.header);
    if (header) return [{ path: row.path, header, resultKind: null }];
  }
  const all = listStudyInstances(ctx, studyUid);
  if (!all) throw ichError('ICH_E_STUDY_NOT_FOUND', 'no such study');
  const picked = all.filter((i) => (seriesUid === undefined || i.header.seriesUid === seriesUid) && (sopUid === undefined || i.header.sopUid === sopUid));
  if (picked.length === 0) throw ichError('ICH_E_STUDY_NOT_FOUND', sopUid !== undefined ? 'no such instance in the study' : 'no such series in the study');
  return picked;
}
