/**
 * HTTP deliveries: results to a DICOMweb server by STOW-RS (`<base>/studies`, one multipart/related
 * request with every result file), and a JSON webhook for flagged studies. Credentials in a URL
 * become a Basic Authorization header and never appear in the delivery's name (`stow:` / `webhook:`
 * + the URL without them). Any non-2xx answer (and STOW-RS 202, a partial store) is a failed attempt.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ichError, toIchError } from '../../core/errors.js';

/** The URL without user:password, for names shown in the API and logs. */
export function publicUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

function authorised(url: string): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  if (u.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  return { url: publicUrl(url), headers };
}

async function post(url: string, body: Buffer | string, headers: Record<string, string>): Promise<number> {
  try {
    const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(60_000) });
    await res.arrayBuffer();
    return res.status;
  } catch (e) {
    throw toIchError(e, 'ICH_E_DELIVERY', publicUrl(url));
  }
}

export async function sendByStow(base: string, files: readonly string[]): Promise<void> {
  const { url, headers } = authorised(base);
  const boundary = `ichscan-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const f of files) parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), readFileSync(f), Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const status = await post(`${url}/studies`, Buffer.concat(parts), { ...headers, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' });
  if (status !== 200) throw ichError('ICH_E_DELIVERY', `STOW-RS ${url} answered ${status}${status === 202 ? ' (some instances refused)' : ''}`);
}

export async function sendWebhook(target: string, payload: unknown): Promise<void> {
  const { url, headers } = authorised(target);
  const status = await post(url, JSON.stringify(payload), { ...headers, 'content-type': 'application/json' });
  if (status < 200 || status >= 300) throw ichError('ICH_E_DELIVERY', `webhook ${url} answered ${status}`);
}
