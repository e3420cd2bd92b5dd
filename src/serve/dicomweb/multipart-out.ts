/**
 * multipart/related answers (PS3.18 §8.6.1.2, RFC 2387): a random boundary and a body streamed
 * part by part — stored files are piped from disk one after another (a study is never held in
 * memory), decoded frames are written from their buffers.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';

export function newBoundary(): string {
  return `ichscan-${randomBytes(12).toString('hex')}`;
}

/** `multipart/related; type="<type>"; boundary=<b>`. */
export function relatedContentType(type: string, boundary: string): string {
  return `multipart/related; type="${type}"; boundary=${boundary}`;
}

function partHead(boundary: string, headers: Record<string, string | number>): Buffer {
  return Buffer.from(`--${boundary}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
}

/** The stored files as `application/dicom` parts, read from disk as the body is consumed. */
export function streamFileParts(paths: readonly string[], boundary: string): Readable {
  async function* parts(): AsyncGenerator<Buffer> {
    for (const path of paths) {
      const { size } = await stat(path);
      yield partHead(boundary, { 'Content-Type': 'application/dicom', 'Content-Length': size });
      for await (const chunk of createReadStream(path)) yield chunk as Buffer;
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return Readable.from(parts(), { objectMode: false });
}

/** In-memory parts (decoded frames), each with its own headers. */
export function buildParts(parts: readonly { headers: Record<string, string | number>; body: Buffer }[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) chunks.push(partHead(boundary, { ...p.headers, 'Content-Length': p.body.length }), p.body, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
