/**
 * Bearer-token check on every route, by the route's `config.scope`: `public` (healthz, the
 * OpenAPI document) needs none, `read` any token, `write` a token without the `read:` prefix.
 * Unknown routes need a token too (a 404 must not tell an anonymous caller what exists).
 */
import type { FastifyInstance } from 'fastify';
import { ichError } from '../../core/errors.js';
import { bearerOf, matchToken, type TokenEntry } from '../tokens.js';

export type RouteScope = 'public' | 'read' | 'write';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: RouteScope;
  }
}

export function registerAuth(app: FastifyInstance, tokens: readonly TokenEntry[]): void {
  app.addHook('onRequest', async (req) => {
    const scope = req.routeOptions.config.scope ?? 'read';
    if (scope === 'public') return;
    const token = bearerOf(req.headers.authorization);
    const granted = token === undefined ? undefined : matchToken(tokens, token);
    if (!granted) throw ichError('ICH_E_UNAUTHORIZED');
    if (scope === 'write' && granted !== 'write') throw ichError('ICH_E_FORBIDDEN');
  });
}
