/**
 * CORS for browser DICOMweb viewers on another origin (OHIF): only the configured `corsOrigins`
 * get `Access-Control-Allow-Origin` (their own origin echoed, never `*`), and their preflight
 * `OPTIONS` is answered 204 with `Authorization` allowed — before the token check, since a
 * browser sends no credentials on a preflight. Any other origin gets no CORS header (the browser
 * then refuses the answer) and its preflight meets the token check like any request (401).
 */
import type { FastifyInstance } from 'fastify';

const ALLOW_METHODS = 'GET, HEAD, POST, OPTIONS';
const ALLOW_HEADERS = 'Authorization, Accept, Content-Type, If-None-Match';
const EXPOSE_HEADERS = 'ETag, Content-Type, Content-Length, Content-Location, Warning';
/** Seconds a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/** Registers the CORS hook; must run before the auth hook (register it first). */
export function registerCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('Vary', 'Origin');
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return;
    reply.header('Access-Control-Allow-Origin', origin).header('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return;
    reply.header('Access-Control-Allow-Methods', ALLOW_METHODS).header('Access-Control-Allow-Headers', ALLOW_HEADERS).header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S));
    reply.code(204).send();
    return reply;
  });
}
