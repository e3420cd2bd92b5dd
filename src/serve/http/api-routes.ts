/**
 * The read API: `GET /api/worklist` (flagged first, then P(any), then arrival), `GET
 * /api/studies/:uid`, `GET /healthz` (no token: for load balancers and systemd) and `GET /metrics`
 * (Prometheus text). Route schemas double as validation and the OpenAPI document.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ichError } from '../../core/errors.js';
import type { ServeContext } from '../context.js';
import { toStudyDetail, toWorklistEntry } from './study-view.js';
import { pullStudy } from '../pull/wado-pull.js';
import { toIchError } from '../../core/errors.js';
import { hashUid } from '../phi.js';

const errorSchema = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } as const;

const worklistEntrySchema = {
  type: 'object',
  required: ['studyInstanceUid', 'status', 'flagged', 'anyProbability', 'subtypes', 'volumeMl', 'times', 'warnings'],
  properties: {
    studyInstanceUid: { type: 'string' },
    status: { type: 'string', enum: ['received', 'queued', 'scoring', 'done', 'failed'] },
    flagged: { type: ['boolean', 'null'] },
    anyProbability: { type: ['number', 'null'] },
    subtypes: { type: 'array', items: { type: 'string' } },
    volumeMl: { type: ['number', 'null'], description: 'Total bleed volume, mL' },
    instances: { type: 'integer' },
    error: { anyOf: [errorSchema, { type: 'null' }] },
    times: { type: 'object', additionalProperties: { type: ['string', 'null'], format: 'date-time' } },
    patient: { type: 'object', required: ['age', 'sex'], properties: { age: { type: ['string', 'null'], description: 'PatientAge (AS), e.g. 045Y' }, sex: { type: ['string', 'null'], description: 'PatientSex: M, F or O' } } },
    warnings: { type: 'array', items: { type: 'string' }, description: "The newest result's warnings (e.g. scored on a contrast-enhanced series); empty = none" },
    modelName: { type: 'string', description: 'Model of the newest result (scored studies only)' },
    modelVersion: { type: 'string' },
  },
} as const;

/** A strong validator of a JSON answer (polling clients send it back as If-None-Match). */
function entityTag(body: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  return header !== undefined && (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));
}

export function registerApiRoutes(app: FastifyInstance, ctx: ServeContext): void {
  app.get('/healthz', { config: { scope: 'public' }, schema: { summary: 'Liveness (no token needed)', tags: ['ops'], response: { 200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } } } }, async () => {
    ctx.store.queueDepth(); // the database answers
    return { status: 'ok' };
  });

  app.get(
    '/metrics',
    { config: { scope: 'read' }, schema: { summary: 'Prometheus metrics (text format 0.0.4)', tags: ['ops'], response: { 200: { type: 'string' } } } },
    async (_req, reply) => {
      const text = ctx.metrics.render({ queueDepth: ctx.store.queueDepth(), studiesByStatus: ctx.store.countByStatus(), deliveriesByState: ctx.store.countDeliveries() });
      return reply.type('text/plain; version=0.0.4').send(text);
    },
  );

  app.get(
    '/api/worklist',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Studies, flagged first, then by P(any), then by arrival (ETag; If-None-Match → 304)',
        tags: ['api'],
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 10000, default: 500 } }, additionalProperties: false },
        response: { 200: { type: 'object', required: ['studies'], properties: { studies: { type: 'array', items: worklistEntrySchema } } }, 304: { type: 'null', description: 'Not modified since the ETag sent as If-None-Match' } },
      },
    },
    async (req, reply) => {
      const { limit } = req.query as { limit: number };
      const models = ctx.store.resultModels();
      const body = { studies: ctx.store.worklist(limit).map((r) => toWorklistEntry(r, models.get(r.study_uid))) };
      const etag = entityTag(body);
      reply.header('ETag', etag).header('Cache-Control', 'private, no-cache');
      if (matchesEtag(req.headers['if-none-match'], etag)) return reply.code(304).send();
      return body;
    },
  );

  app.get(
    '/api/studies/:uid',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'One study: per-slice probabilities, volume, key slices, result UIDs, deliveries, skipped series',
        tags: ['api'],
        params: { type: 'object', required: ['uid'], properties: { uid: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', additionalProperties: true, required: ['studyInstanceUid', 'status', 'slices', 'results', 'deliveries', 'skippedSeries'], properties: { studyInstanceUid: { type: 'string' } } }, 404: errorSchema },
      },
    },
    async (req) => {
      const { uid } = req.params as { uid: string };
      const row = ctx.store.study(uid);
      if (!row) throw ichError('ICH_E_STUDY_NOT_FOUND');
      return toStudyDetail(ctx.store, row);
    },
  );

  app.post(
    '/api/notify',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'A study is ready on the configured DICOMweb server (--pull-from): pull it by WADO-RS and score it',
        tags: ['api'],
        body: { type: 'object', required: ['studyInstanceUid'], additionalProperties: false, properties: { studyInstanceUid: { type: 'string', pattern: '^[0-9A-Za-z._-]{1,64}$' } } },
        response: { 202: { type: 'object', properties: { studyInstanceUid: { type: 'string' }, status: { type: 'string' } } }, 400: errorSchema },
      },
    },
    async (req, reply) => {
      if (!ctx.config.pullFrom) throw ichError('ICH_E_CONFIG', 'this server has no --pull-from DICOMweb server');
      const { studyInstanceUid } = req.body as { studyInstanceUid: string };
      // answered at once; the pull runs in the background and its failure is logged and counted
      void pullStudy(ctx, studyInstanceUid).catch((e: unknown) => {
        const err = toIchError(e, 'ICH_E_FILE_READ');
        ctx.metrics.countRefused(err.code);
        ctx.log.warn({ study: hashUid(studyInstanceUid), code: err.code }, 'pull failed');
      });
      return reply.code(202).send({ studyInstanceUid, status: 'pulling' });
    },
  );
}
