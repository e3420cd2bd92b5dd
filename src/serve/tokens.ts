/**
 * Bearer tokens from a file: one per line; a bare token may read and write, `read:<token>` may
 * only read; blank lines and `#` comments are ignored. Tokens are compared in constant time over
 * their SHA-256 digests (equal lengths, so `timingSafeEqual` never leaks the length either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ichError, toIchError } from '../core/errors.js';

export type TokenScope = 'read' | 'write';

export interface TokenEntry {
  digest: Buffer;
  scope: TokenScope;
}

export function parseTokens(text: string): TokenEntry[] {
  const out: TokenEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const readOnly = line.startsWith('read:');
    const token = readOnly ? line.slice(5) : line;
    if (token.length < 8) throw ichError('ICH_E_CONFIG', 'tokens must be at least 8 characters');
    out.push({ digest: digestToken(token), scope: readOnly ? 'read' : 'write' });
  }
  return out;
}

export function loadTokens(file: string): TokenEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw toIchError(e, 'ICH_E_CONFIG', file);
  }
  const tokens = parseTokens(text);
  if (tokens.length === 0) throw ichError('ICH_E_CONFIG', 'token file holds no token', { file });
  return tokens;
}

function digestToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The scope of a presented token, or undefined; every entry is compared (no early exit). */
export function matchToken(tokens: readonly TokenEntry[], presented: string): TokenScope | undefined {
  const d = digestToken(presented);
  let scope: TokenScope | undefined;
  for (const t of tokens) if (timingSafeEqual(t.digest, d) && scope !== 'write') scope = t.scope;
  return scope;
}

/** The token of an `Authorization: Bearer <token>` header value. */
export function bearerOf(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? (m[1] as string) : undefined;
}
