/**
 * STOW-RS `POST /dicomweb/studies` (PS3.18 §10.5): multipart/related; type="application/dicom".
 * The body is streamed: each part goes straight to a temporary file in the data dir as it arrives
 * (never held in memory), then is filed like a C-STORE instance. The body is bounded by
 * maxBodyBytes (413 once exceeded, or at once from Content-Length), each part by maxInstanceBytes.
 * 200 all stored, 202 some refused (FailedSOPSequence lists them), and when every part is refused
 * the first refusal's coded status (413, 429, 415…) with {code, message}.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ichError, type IchError } from '../../core/errors.js';
import { ingestInstance, tempInstancePath } from '../ingest-instance.js';
import type { ServeContext } from '../context.js';
import { relatedBoundary } from './parse-multipart.js';
import { MultipartSplitter } from './stream-multipart.js';

const FAILURE_OUT_OF_RESOURCES = 0xa700;
const FAILURE_CANNOT_UNDERSTAND = 0xc000;

function sopItem(sopClassUid: string, sopUid: string, failure?: number): Record<string, unknown> {
  return {
    '00081150': { vr: 'UI', Value: [sopClassUid] },
    '00081155': { vr: 'UI', Value: [sopUid] },
    ...(failure === undefined ? {} : { '00081197': { vr: 'US', Value: [failure] } }),
  };
}

/** A part as received: on disk, or refused before it was kept. */
interface ReceivedPart {
  path: string;
  bytes: number;
  error: IchError | undefined;
}

/** Streams the parts of `body` to temporary files; refuses the whole body past maxBodyBytes. */
async function receiveParts(ctx: ServeContext, body: Readable, boundary: string): Promise<ReceivedPart[]> {
  const parts: ReceivedPart[] = [];
  let fd: number | undefined;
  const splitter = new MultipartSplitter(boundary, (contentType) => {
    const part: ReceivedPart = { path: tempInstancePath(ctx.config.dataDir), bytes: 0, error: contentType === 'application/dicom' ? undefined : ichError('ICH_E_BAD_MEDIA_TYPE', `part of type ${contentType}`) };
    parts.push(part);
    fd = part.error ? undefined : openSync(part.path, 'w');
    return {
      write(chunk) {
        part.bytes += chunk.length;
        if (!part.error && part.bytes > ctx.config.maxInstanceBytes) part.error = ichError('ICH_E_TOO_LARGE', `instance over maxInstanceBytes ${ctx.config.maxInstanceBytes}`);
        if (fd !== undefined && !part.error) writeSync(fd, chunk);
      },
      end() {
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      },
    };
  });
  let total = 0;
  try {
    for await (const chunk of body) {
      total += (chunk as Buffer).length;
      if (total > ctx.config.maxBodyBytes) throw ichError('ICH_E_TOO_LARGE', 'request body over maxBodyBytes');
      splitter.push(chunk as Buffer);
    }
    splitter.finish();
    if (splitter.parts === 0) throw ichError('ICH_E_BAD_MEDIA_TYPE', 'multipart body holds no part');
    return parts;
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    for (const p of parts) rmSync(p.path, { force: true });
    throw e;
  }
}

export function registerStowRoute(app: FastifyInstance, ctx: ServeContext): void {
  // the body stays a stream: parts are written to disk as they arrive
  app.addContentTypeParser('multipart/related', (_req, payload, done) => done(null, payload));
  app.post(
    '/dicomweb/studies',
    {
      config: { scope: 'write' },
      // refuse other media types and announced oversize bodies before reading anything
      onRequest: async (req) => {
        relatedBoundary(req.headers['content-type']);
        if (Number(req.headers['content-length'] ?? 0) > ctx.config.maxBodyBytes) throw ichError('ICH_E_TOO_LARGE', 'request body over maxBodyBytes');
      },
      schema: {
        summary: 'STOW-RS: store DICOM instances (multipart/related; type="application/dicom")',
        tags: ['dicomweb'],
        response: { 200: { type: 'object', additionalProperties: true }, 202: { type: 'object', additionalProperties: true } },
      },
    },
    async (req, reply) => {
      const boundary = relatedBoundary(req.headers['content-type']);
      const parts = await receiveParts(ctx, req.body as Readable, boundary);
      const stored: Record<string, unknown>[] = [];
      const failed: Record<string, unknown>[] = [];
      const errors: IchError[] = [];
      for (const part of parts) {
        let error = part.error;
        if (error) {
          rmSync(part.path, { force: true });
          ctx.metrics.countRefused(error.code);
        } else {
          const outcome = ingestInstance(ctx, part.path, part.bytes, 'stow');
          if (outcome.ok) stored.push(sopItem(outcome.header.sopClassUid, outcome.header.sopUid));
          else error = outcome.error;
        }
        if (error) {
          errors.push(error);
          failed.push(sopItem('', '', error.code === 'ICH_E_TOO_LARGE' || error.code === 'ICH_E_TOO_MANY' ? FAILURE_OUT_OF_RESOURCES : FAILURE_CANNOT_UNDERSTAND));
        }
      }
      const first = errors[0];
      if (stored.length === 0 && first) throw first;
      const response: Record<string, unknown> = { '00081199': { vr: 'SQ', Value: stored } };
      if (failed.length) response['00081198'] = { vr: 'SQ', Value: failed };
      return reply.code(failed.length ? 202 : 200).type('application/dicom+json').send(response);
    },
  );
}
