/**
 * Authenticated fetches against the service (same origin). Every request carries the bearer
 * token in the Authorization header — never in the URL. A 401 clears the token and raises
 * `UnauthorizedError`, which the app turns into the login form.
 */
import { clearToken, loadToken } from './token-store.js';
import type { StudyDetail, WorklistEntry } from './types.js';

export class UnauthorizedError extends Error {
  constructor() {
    super('the token was refused (401)');
    this.name = 'UnauthorizedError';
  }
}

/** GET `path` with the token; throws UnauthorizedError on 401 and Error on other non-2xx/304. */
export async function fetchWithToken(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  const token = loadToken();
  if (token === null) throw new UnauthorizedError();
  const r = await fetch(path, { headers: { ...headers, authorization: `Bearer ${token}` }, cache: 'no-store', ...(signal ? { signal } : {}) });
  if (r.status === 401) {
    clearToken();
    throw new UnauthorizedError();
  }
  if (!r.ok && r.status !== 304) throw new Error(`${path.split('?')[0] ?? path}: HTTP ${r.status}`);
  return r;
}

export async function fetchStudyDetail(uid: string): Promise<StudyDetail> {
  const r = await fetchWithToken(`/api/studies/${encodeURIComponent(uid)}`);
  return (await r.json()) as StudyDetail;
}

/** The worklist with an ETag: `null` when unchanged (304) since `etag`. */
export async function fetchWorklist(etag: string | null): Promise<{ studies: WorklistEntry[]; etag: string | null } | null> {
  const r = await fetchWithToken('/api/worklist', etag === null ? {} : { 'if-none-match': etag });
  if (r.status === 304) return null;
  const body = (await r.json()) as { studies: WorklistEntry[] };
  return { studies: body.studies, etag: r.headers.get('etag') };
}
