/**
 * STOW-RS `POST /dicomweb/studies` (PS3.18 §10.5): multipart/related; type="application/dicom".
 * The body is bounded by maxBodyBytes (fastify answers 413 before reading more); each part by
 * maxInstanceBytes. Each part is written to a temporary file in the data dir and filed like a
 * C-STORE instance. 200 all stored, 202 some refused (FailedSOPSequence lists them), and when
 * every part is refused the first refusal's coded status (413, 429, 415…) with {code, message}.
 */
import { writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ichError, type IchError } from '../../core/errors.js';
import { ingestInstance, tempInstancePath } from '../ingest-instance.js';
import type { ServeContext } from '../context.js';
import { relatedBoundary, splitMultipart } from './parse-multipart.js';

const FAILURE_OUT_OF_RESOURCES = 0xa700;
const FAILURE_CANNOT_UNDERSTAND = 0xc000;

function sopItem(sopClassUid: string, sopUid: string, failure?: number): Record<string, unknown> {
  return {
    '00081150': { vr: 'UI', Value: [sopClassUid] },
    '00081155': { vr: 'UI', Value: [sopUid] },
    ...(failure === undefined ? {} : { '00081197': { vr: 'US', Value: [failure] } }),
  };
}

export function registerStowRoute(app: FastifyInstance, ctx: ServeContext): void {
  app.addContentTypeParser('multipart/related', { parseAs: 'buffer', bodyLimit: ctx.config.maxBodyBytes }, (_req, body, done) => done(null, body));
  app.post(
    '/dicomweb/studies',
    {
      config: { scope: 'write' },
      // refuse other media types before fastify tries to parse the body
      onRequest: async (req) => void relatedBoundary(req.headers['content-type']),
      schema: {
        summary: 'STOW-RS: store DICOM instances (multipart/related; type="application/dicom")',
        tags: ['dicomweb'],
        response: { 200: { type: 'object', additionalProperties: true }, 202: { type: 'object', additionalProperties: true } },
      },
    },
    async (req, reply) => {
      const boundary = relatedBoundary(req.headers['content-type']);
      if (!Buffer.isBuffer(req.body)) throw ichError('ICH_E_BAD_MEDIA_TYPE', 'empty STOW-RS body');
      const parts = splitMultipart(req.body, boundary);
      if (parts.length === 0) throw ichError('ICH_E_BAD_MEDIA_TYPE', 'multipart body holds no part');
      const stored: Record<string, unknown>[] = [];
      const failed: Record<string, unknown>[] = [];
      const errors: IchError[] = [];
      for (const part of parts) {
        let error: IchError | undefined;
        if (part.contentType !== 'application/dicom') error = ichError('ICH_E_BAD_MEDIA_TYPE', `part of type ${part.contentType}`);
        else if (part.body.length > ctx.config.maxInstanceBytes) error = ichError('ICH_E_TOO_LARGE', `instance of ${part.body.length} bytes > maxInstanceBytes ${ctx.config.maxInstanceBytes}`);
        if (error) {
          ctx.metrics.countRefused(error.code);
        } else {
          const tmp = tempInstancePath(ctx.config.dataDir);
          writeFileSync(tmp, part.body);
          const outcome = ingestInstance(ctx, tmp, part.body.length, 'stow');
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
