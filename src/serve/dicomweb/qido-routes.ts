/**
 * QIDO-RS (PS3.18 §10.6): `GET /dicomweb/studies`, `/studies/{study}/series`,
 * `/studies/{study}/series/{series}/instances` (and `/studies/{study}/instances`), answered as
 * `application/dicom+json`. Matching keys: StudyInstanceUID (UID list), PatientID (wildcards `*`
 * `?`), SeriesInstanceUID, Modality, SOPInstanceUID — by keyword or by tag (`0020000D`); `limit`
 * (≤ 10000) and `offset` page the matches; `includefield` is accepted (the answer always holds the
 * attributes docs/dicomweb.md lists); other keys are ignored. No match → 200 `[]`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServeContext } from '../context.js';
import { matchesQuery, toInstanceAttributes, toSeriesAttributes, toStudyAttributes, type DicomJsonDataset } from './qido-attributes.js';
import { listStudyInstances } from './study-instances.js';

export const DICOM_JSON = 'application/dicom+json';
/** Most matches one QIDO-RS answer holds. */
export const MAX_QIDO_LIMIT = 10000;

const uidParam = { type: 'string', maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' } as const;

const searchQuery = {
  type: 'object',
  additionalProperties: true,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: MAX_QIDO_LIMIT, description: `Most matches returned (≤ ${MAX_QIDO_LIMIT})` },
    offset: { type: 'integer', minimum: 0, default: 0, description: 'Matches skipped first' },
    includefield: { type: 'array', items: { type: 'string' }, description: 'Accepted; the listed attributes are always returned' },
  },
} as const;

const datasetsResponse = { 200: { type: 'array', items: { type: 'object', additionalProperties: true } } } as const;

/** The service's origin as the caller reached it (for RetrieveURL). */
export function requestBase(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

/** A matching key by keyword or by tag; repeated keys: the first. */
function queryKey(q: Record<string, unknown>, keyword: string, tag: string): string | undefined {
  const v = q[keyword] ?? q[tag] ?? q[tag.toLowerCase()];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : undefined;
}

function page<T>(items: T[], q: Record<string, unknown>): T[] {
  const offset = typeof q['offset'] === 'number' ? q['offset'] : 0;
  const limit = typeof q['limit'] === 'number' ? q['limit'] : MAX_QIDO_LIMIT;
  return items.slice(offset, offset + limit);
}

function first(ds: DicomJsonDataset, tag: string): string {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'string' ? v : '';
}

export function registerQidoRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const answer = (datasets: DicomJsonDataset[]) => JSON.stringify(datasets);

  app.get('/dicomweb/studies', { config: { scope: 'read' }, schema: { summary: 'QIDO-RS: search studies (StudyInstanceUID, PatientID)', tags: ['dicomweb'], querystring: searchQuery, response: datasetsResponse } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const uids = queryKey(q, 'StudyInstanceUID', '0020000D');
    const patientId = queryKey(q, 'PatientID', '00100020');
    const base = requestBase(req);
    const found: DicomJsonDataset[] = [];
    for (const uid of ctx.store.studyUids()) {
      if (!matchesQuery(uids, uid, true)) continue;
      const instances = listStudyInstances(ctx, uid);
      if (!instances || instances.length === 0) continue;
      const ds = toStudyAttributes(instances, base);
      if (!matchesQuery(patientId, first(ds, '00100020'))) continue;
      found.push(ds);
    }
    return reply.type(DICOM_JSON).send(answer(page(found, q)));
  });

  app.get('/dicomweb/studies/:study/series', { config: { scope: 'read' }, schema: { summary: 'QIDO-RS: the series of a study, received and results (SR, SEG, SC, KO)', tags: ['dicomweb'], params: { type: 'object', required: ['study'], properties: { study: uidParam } }, querystring: searchQuery, response: datasetsResponse } }, async (req, reply) => {
    const { study } = req.params as { study: string };
    const q = req.query as Record<string, unknown>;
    const series = toSeriesAttributes(listStudyInstances(ctx, study) ?? [], requestBase(req)).filter(
      (s) => matchesQuery(queryKey(q, 'SeriesInstanceUID', '0020000E'), first(s, '0020000E'), true) && matchesQuery(queryKey(q, 'Modality', '00080060'), first(s, '00080060')),
    );
    return reply.type(DICOM_JSON).send(answer(page(series, q)));
  });

  const instancesHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    const { study, series } = req.params as { study: string; series?: string };
    const q = req.query as Record<string, unknown>;
    const base = requestBase(req);
    const sop = queryKey(q, 'SOPInstanceUID', '00080018');
    const list = (listStudyInstances(ctx, study) ?? []).filter((i) => (series === undefined || i.header.seriesUid === series) && matchesQuery(sop, i.header.sopUid, true));
    return reply.type(DICOM_JSON).send(answer(page(list.map((i) => toInstanceAttributes(i, base)), q)));
  };
  app.get('/dicomweb/studies/:study/series/:series/instances', { config: { scope: 'read' }, schema: { summary: 'QIDO-RS: the instances of a series', tags: ['dicomweb'], params: { type: 'object', required: ['study', 'series'], properties: { study: uidParam, series: uidParam } }, querystring: searchQuery, response: datasetsResponse } }, instancesHandler);
  app.get('/dicomweb/studies/:study/instances', { config: { scope: 'read' }, schema: { summary: 'QIDO-RS: the instances of a study', tags: ['dicomweb'], params: { type: 'object', required: ['study'], properties: { study: uidParam } }, querystring: searchQuery, response: datasetsResponse } }, instancesHandler);
}
