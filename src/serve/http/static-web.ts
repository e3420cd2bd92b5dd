/**
 * The built browser viewer, public (it holds no study data; every call it makes carries a token):
 * `GET /` and `GET /studies/*` answer `index.html` (the single-page app routes itself),
 * `GET /assets/*` the built files. The folder is `webDir`, or the package's `web/dist` — resolved
 * from this module's place, not the working directory. Paths are confined to `assets/` (no `..`,
 * no NUL, no symlink leading out). Without `index.html`: 503 ICH_E_VIEWER_NOT_BUILT.
 * Every answer carries the security headers below (CSP, no referrer, nosniff).
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ichError } from '../../core/errors.js';
import type { ServeConfig } from '../config.js';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** The package's built viewer: dist/src/serve/http → ../../../../web/dist (like the shipped models). */
export function packageWebDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'web', 'dist');
}

/** The file under `dir` that `rel` names, or undefined when it would leave `dir` or is not a file. */
export function resolveConfined(dir: string, rel: string): string | undefined {
  if (rel === '' || rel.includes('\0') || rel.includes('\\') || rel.startsWith('/')) return undefined;
  if (rel.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) return undefined;
  const path = resolve(dir, rel);
  if (!path.startsWith(dir + sep) || !existsSync(path)) return undefined;
  let real: string;
  try {
    real = realpathSync(path);
    if (!real.startsWith(realpathSync(dir) + sep) || !statSync(real).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return real;
}

function sendFile(reply: FastifyReply, path: string, cache: string): FastifyReply {
  return reply
    .type(CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream')
    .header('Cache-Control', cache)
    .header('Content-Length', statSync(path).size)
    .send(createReadStream(path));
}

export function registerStaticWeb(app: FastifyInstance, config: ServeConfig): void {
  const root = resolve(config.webDir ?? packageWebDir());
  const assets = join(root, 'assets');
  const index = async (_req: unknown, reply: FastifyReply) => {
    reply.headers(SECURITY_HEADERS);
    const file = join(root, 'index.html');
    if (!existsSync(file)) throw ichError('ICH_E_VIEWER_NOT_BUILT', `${file} is missing`);
    return sendFile(reply, file, 'no-cache');
  };
  const schema = (summary: string) => ({ summary, tags: ['viewer'], response: { 200: { type: 'string' } } });
  app.get('/', { config: { scope: 'public' }, schema: schema('The browser viewer (index.html; no study data, no token needed)') }, index);
  app.get('/studies/*', { config: { scope: 'public' }, schema: schema('The browser viewer for one study (index.html: the app routes itself)') }, index);
  app.get('/assets/*', { config: { scope: 'public' }, schema: schema("The viewer's built files (web/dist/assets)") }, async (req, reply) => {
    reply.headers(SECURITY_HEADERS);
    const file = resolveConfined(assets, (req.params as { '*': string })['*']);
    if (!file) throw ichError('ICH_E_FILE_NOT_FOUND', 'no such viewer file');
    // built names carry a content hash: a changed file is a new name
    return sendFile(reply, file, 'public, max-age=31536000, immutable');
  });
}
