/**
 * Notify-and-pull: `POST /api/notify {studyInstanceUid}` → WADO-RS `GET <pullFrom>/studies/<uid>`
 * (Accept: multipart/related; type="application/dicom") → each part filed like a C-STORE
 * instance (via "wado"); the study then completes after the stable age as usual. Credentials in
 * the URL (http://user:pass@host/…) become a Basic Authorization header. The response is read
 * whole, bounded by maxBodyBytes.
 */
import { writeFileSync } from 'node:fs';
import { ichError, toIchError } from '../../core/errors.js';
import type { ServeContext } from '../context.js';
import { relatedBoundary, splitMultipart } from '../http/parse-multipart.js';
import { ingestInstance, tempInstancePath } from '../ingest-instance.js';
import { hashUid } from '../phi.js';

export interface PullOutcome {
  stored: number;
  refused: number;
}

function studyUrl(base: string, studyUid: string): { url: string; headers: Record<string, string> } {
  const u = new URL(`${base.replace(/\/+$/, '')}/studies/${encodeURIComponent(studyUid)}`);
  const headers: Record<string, string> = { accept: 'multipart/related; type="application/dicom"' };
  if (u.username) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  return { url: u.toString(), headers };
}

export async function pullStudy(ctx: ServeContext, studyUid: string): Promise<PullOutcome> {
  const base = ctx.config.pullFrom;
  if (!base) throw ichError('ICH_E_CONFIG', 'no pullFrom (--pull-from) DICOMweb server configured');
  const { url, headers } = studyUrl(base, studyUid);
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (e) {
    throw toIchError(e, 'ICH_E_FILE_READ', 'WADO-RS');
  }
  if (res.status === 404) throw ichError('ICH_E_STUDY_NOT_FOUND', 'the DICOMweb server does not have it');
  if (!res.ok) throw ichError('ICH_E_FILE_READ', `WADO-RS answered ${res.status}`);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > ctx.config.maxBodyBytes) throw ichError('ICH_E_TOO_LARGE', `WADO-RS study of ${length} bytes > maxBodyBytes`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > ctx.config.maxBodyBytes) throw ichError('ICH_E_TOO_LARGE', `WADO-RS study of ${body.length} bytes > maxBodyBytes`);
  const out: PullOutcome = { stored: 0, refused: 0 };
  for (const part of splitMultipart(body, relatedBoundary(res.headers.get('content-type') ?? undefined))) {
    if (part.body.length > ctx.config.maxInstanceBytes) {
      out.refused++;
      ctx.metrics.countRefused('ICH_E_TOO_LARGE');
      continue;
    }
    const tmp = tempInstancePath(ctx.config.dataDir);
    writeFileSync(tmp, part.body);
    const r = ingestInstance(ctx, tmp, part.body.length, 'wado');
    if (r.ok) out.stored++;
    else out.refused++;
  }
  ctx.log.info({ study: hashUid(studyUid), ...out }, 'study pulled');
  return out;
}
