/**
 * The app factory: `buildApp(config)` returns a fastify instance with every HTTP concern
 * registered (CORS, auth, STOW-RS, QIDO-RS, WADO-RS, API, ops, the static viewer, OpenAPI) and
 * nothing listening — tests call `.inject()`.
 * Coded errors (ICH_E_*) answer with their HTTP status and `{code, message}`; fastify's own body
 * limit and media-type errors are mapped onto ICH_E_TOO_LARGE / ICH_E_BAD_MEDIA_TYPE.
 */
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { ichError, isIchError, type IchError } from '../../core/errors.js';
import type { ServeConfig } from '../config.js';
import { createServeContext, type ServeContext } from '../context.js';
import { registerApiRoutes } from './api-routes.js';
import { registerAuth } from './auth.js';
import { registerCors } from './cors.js';
import { registerStaticWeb } from './static-web.js';
import { registerQidoRoutes } from '../dicomweb/qido-routes.js';
import { registerWadoRoutes } from '../dicomweb/wado-routes.js';
import { collectOpenApi } from './openapi.js';
import { registerStowRoute } from './stow-route.js';

function toCodedError(e: unknown): IchError {
  if (isIchError(e)) return e;
  const fe = e as { code?: string; statusCode?: number; message?: string };
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return ichError('ICH_E_TOO_LARGE', 'request body over maxBodyBytes');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return ichError('ICH_E_BAD_MEDIA_TYPE', fe.message);
  if (fe.code === 'FST_ERR_VALIDATION' || fe.statusCode === 400) return ichError('ICH_E_USAGE', fe.message);
  return ichError('ICH_E_INTERNAL', fe.message);
}

/** Builds the HTTP app on `ctx` (or on a new context from `config`, closed with the app). */
export function buildApp(config: ServeConfig, ctx?: ServeContext): FastifyInstance {
  const own = ctx === undefined;
  const c = ctx ?? createServeContext(config, 'silent');
  const https = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : null;
  const app = Fastify({ bodyLimit: config.maxBodyBytes, logger: false, ...(https ? { https } : {}) }) as unknown as FastifyInstance;
  app.decorate('serve', c);
  const openApi = collectOpenApi(app);
  registerCors(app, config.corsOrigins); // before auth: a preflight carries no token
  registerAuth(app, c.tokens);
  app.setErrorHandler((e, _req, reply) => {
    const err = toCodedError(e);
    if (err.status >= 500) c.log.error({ code: err.code }, err.message);
    return reply.code(err.status).send({ code: err.code, message: err.message });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ code: 'ICH_E_FILE_NOT_FOUND', message: 'no such route' }));
  registerStowRoute(app, c);
  registerApiRoutes(app, c);
  registerQidoRoutes(app, c);
  registerWadoRoutes(app, c);
  registerStaticWeb(app, config);
  app.get('/openapi.json', { config: { scope: 'public' }, schema: { summary: 'This OpenAPI document', tags: ['ops'], response: { 200: { type: 'object', additionalProperties: true } } } }, async () => openApi());
  if (own) app.addHook('onClose', async () => c.store.close());
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    serve: ServeContext;
  }
}
