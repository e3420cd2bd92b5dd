/**
 * WADO-RS (PS3.18 §10.4): metadata (`…/metadata`, DICOM JSON of every attribute but the pixel
 * data, which is a BulkDataURI to the frames), instances (`/studies/{study}`, `…/series/{series}`,
 * `…/instances/{sop}`: the stored Part 10 files as they are, streamed file by file) and frames
 * (`…/instances/{sop}/frames/{list}`: decoded, native little endian). The result objects ichscan
 * wrote are part of their study. Unknown study, series or instance → 404 ICH_E_STUDY_NOT_FOUND.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServeContext } from '../context.js';
import { readDicomJson } from './dicom-json.js';
import { buildParts, newBoundary, relatedContentType, streamFileParts } from './multipart-out.js';
import { DICOM_JSON, requestBase } from './qido-routes.js';
import { parseFrameList, readFrames } from './read-frames.js';
import { selectInstances, type StudyInstance } from './study-instances.js';

/** What each decoded frame part says it is: Explicit VR Little Endian, i.e. native uncompressed. */
export const FRAME_PART_TYPE = 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1';

const uid = { type: 'string', maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' } as const;
const errorSchema = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } as const;

interface Params {
  study: string;
  series?: string;
  sop?: string;
  frames?: string;
}

function paramsSchema(names: (keyof Params)[]): Record<string, unknown> {
  return { type: 'object', required: names, properties: Object.fromEntries(names.map((n) => [n, n === 'frames' ? { type: 'string', maxLength: 8000, pattern: '^[0-9,]+$' } : uid])) };
}

/** The frames URL of an instance (every frame), where its metadata's BulkDataURI points. */
export function framesUrl(base: string, i: StudyInstance): string {
  const h = i.header;
  const list = Array.from({ length: Math.max(1, h.numberOfFrames) }, (_, k) => k + 1).join(',');
  return `${base}/dicomweb/studies/${h.studyUid}/series/${h.seriesUid}/instances/${h.sopUid}/frames/${list}`;
}

export function registerWadoRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const pick = (req: FastifyRequest): StudyInstance[] => {
    const p = req.params as Params;
    return selectInstances(ctx, p.study, p.series, p.sop);
  };

  const metadata = async (req: FastifyRequest, reply: FastifyReply) => {
    const base = requestBase(req);
    const out: unknown[] = [];
    for (const i of pick(req)) out.push(await readDicomJson(i.path, framesUrl(base, i))); // one file in memory at a time
    return reply.type(DICOM_JSON).send(JSON.stringify(out));
  };

  const retrieve = async (req: FastifyRequest, reply: FastifyReply) => {
    const paths = pick(req).map((i) => i.path);
    const boundary = newBoundary();
    return reply.type(relatedContentType('application/dicom', boundary)).send(streamFileParts(paths, boundary));
  };

  const levels: { url: string; names: (keyof Params)[]; what: string }[] = [
    { url: '/dicomweb/studies/:study', names: ['study'], what: 'study' },
    { url: '/dicomweb/studies/:study/series/:series', names: ['study', 'series'], what: 'series' },
    { url: '/dicomweb/studies/:study/series/:series/instances/:sop', names: ['study', 'series', 'sop'], what: 'instance' },
  ];
  for (const l of levels) {
    const responses = { 200: { type: 'string' }, 404: errorSchema };
    app.get(`${l.url}/metadata`, { config: { scope: 'read' }, schema: { summary: `WADO-RS: metadata of the ${l.what} (DICOM JSON, pixel data as BulkDataURI)`, tags: ['dicomweb'], params: paramsSchema(l.names), response: responses } }, metadata);
    app.get(l.url, { config: { scope: 'read' }, schema: { summary: `WADO-RS: the ${l.what}'s stored Part 10 files (multipart/related; type="application/dicom")`, tags: ['dicomweb'], params: paramsSchema(l.names), response: responses } }, retrieve);
  }

  app.get(
    '/dicomweb/studies/:study/series/:series/instances/:sop/frames/:frames',
    { config: { scope: 'read' }, schema: { summary: 'WADO-RS: frames (comma list, from 1) decoded to native little-endian stored values (multipart/related; type="application/octet-stream")', tags: ['dicomweb'], params: paramsSchema(['study', 'series', 'sop', 'frames']), response: { 200: { type: 'string' }, 404: errorSchema } } },
    async (req, reply) => {
      const [instance] = pick(req);
      const numbers = parseFrameList((req.params as Params).frames ?? '');
      const frames = await readFrames((instance as StudyInstance).path, numbers);
      const boundary = newBoundary();
      const body = buildParts(frames.map((f) => ({ headers: { 'Content-Type': FRAME_PART_TYPE }, body: f })), boundary);
      return reply.type(relatedContentType('application/octet-stream', boundary)).send(body);
    },
  );
}
