/**
 * The OpenAPI 3.1 document, built from the routes' own JSON schemas as they are registered (so the
 * document cannot list a route that does not exist, or miss one), served at `GET /openapi.json`.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ICHSCAN_VERSION } from '../../core/version.js';

interface RouteSchema {
  summary?: string;
  tags?: string[];
  querystring?: { properties?: Record<string, unknown>; required?: string[] };
  params?: { properties?: Record<string, unknown> };
  body?: unknown;
  response?: Record<string, unknown>;
}

type Operation = Record<string, unknown>;

/** `/api/studies/:uid` → `/api/studies/{uid}`. */
export function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** What a route answers on success (the DICOMweb and static routes are not JSON). */
function successMediaType(method: string, url: string): string {
  if (url === '/metrics') return 'text/plain';
  if (url === '/' || url.startsWith('/studies/') || url.startsWith('/assets/')) return url.startsWith('/assets/') ? 'application/octet-stream' : 'text/html';
  if (method !== 'GET' || !url.startsWith('/dicomweb/')) return 'application/json';
  if (url.endsWith('/metadata') || url.endsWith('/series') || url.endsWith('/instances') || url === '/dicomweb/studies') return 'application/dicom+json';
  return url.includes('/frames/') ? 'multipart/related; type="application/octet-stream"' : 'multipart/related; type="application/dicom"';
}

export function collectOpenApi(app: FastifyInstance): () => Record<string, unknown> {
  const paths: Record<string, Record<string, Operation>> = {};
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    const schema = (route.schema ?? {}) as RouteSchema;
    const scope = (route.config as { scope?: string } | undefined)?.scope ?? 'read';
    for (const method of methods) {
      const params = [
        ...Object.entries(schema.params?.properties ?? {}).map(([name, s]) => ({ name, in: 'path', required: true, schema: s })),
        ...Object.entries(schema.querystring?.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: schema.querystring?.required?.includes(name) ?? false, schema: s })),
      ];
      const responses = Object.fromEntries(
        Object.entries(schema.response ?? { 200: {} }).map(([code, s]) => [code, { description: code.startsWith('2') ? 'OK' : 'Error ({code, message})', content: { [code.startsWith('2') ? successMediaType(method, route.url) : 'application/json']: { schema: s } } }]),
      );
      const p = (paths[toOpenApiPath(route.url)] ??= {});
      p[method.toLowerCase()] = {
        summary: schema.summary ?? '',
        tags: schema.tags ?? [],
        ...(params.length ? { parameters: params } : {}),
        ...(scope === 'public' ? { security: [] } : {}),
        ...(route.url === '/dicomweb/studies' ? { requestBody: { required: true, content: { 'multipart/related; type="application/dicom"': { schema: { type: 'string', format: 'binary' } } } } } : {}),
        ...(schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } } : {}),
        responses: { ...responses, 401: { description: 'ICH_E_UNAUTHORIZED' } },
        'x-ichscan-scope': scope,
      };
    }
  });
  return () => ({
    openapi: '3.1.0',
    info: { title: 'ichscan serve', version: ICHSCAN_VERSION, description: 'Intracranial-hemorrhage triage service. NOT FOR DIAGNOSTIC USE.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  });
}
