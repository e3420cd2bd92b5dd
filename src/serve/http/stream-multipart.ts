/**
 * A streaming multipart/related splitter (RFC 2046 §5.1): bytes in as they arrive, each part's
 * content handed to a sink as it is found, so a STOW-RS body is never held in memory (at most one
 * chunk plus a delimiter's length). The stream is read as if it began with CRLF, so the first
 * delimiter matches like every other one; a preamble before it is dropped.
 */
import { ichError } from '../../core/errors.js';

export interface PartSink {
  write(chunk: Buffer): void;
  end(): void;
}

/** Part headers longer than this are refused (a body without CRLFCRLF is not multipart). */
const MAX_HEADER_BYTES = 16 * 1024;

export class MultipartSplitter {
  private readonly delimiter: Buffer;
  private pending: Buffer = Buffer.from('\r\n');
  private state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  private sink: PartSink | undefined;
  parts = 0;

  constructor(boundary: string, private readonly openPart: (contentType: string) => PartSink) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) if (!this.step()) break;
  }

  /** Call at the end of the stream: ICH_E_BAD_MEDIA_TYPE unless the closing delimiter was seen. */
  finish(): void {
    if (this.state !== 'done') throw ichError('ICH_E_BAD_MEDIA_TYPE', 'multipart body ends without its closing boundary');
  }

  /** One state transition; false when more bytes are needed. */
  private step(): boolean {
    const p = this.pending;
    switch (this.state) {
      case 'preamble': {
        const at = p.indexOf(this.delimiter);
        if (at < 0) {
          this.pending = p.subarray(Math.max(0, p.length - this.delimiter.length + 1));
          return false;
        }
        this.pending = p.subarray(at + this.delimiter.length);
        this.state = 'after-delimiter';
        return true;
      }
      case 'after-delimiter': {
        if (p.length < 2) return false;
        if (p[0] === 0x2d && p[1] === 0x2d) {
          this.state = 'done';
          this.pending = Buffer.alloc(0);
          return false;
        }
        // transport padding (spaces/tabs) may follow the delimiter before its CRLF
        const crlf = p.indexOf('\r\n', 0, 'latin1');
        if (crlf < 0) return false;
        this.pending = p.subarray(crlf + 2);
        this.state = 'headers';
        return true;
      }
      case 'headers': {
        const end = p.indexOf('\r\n\r\n', 0, 'latin1');
        const blank = p.length >= 2 && p[0] === 0x0d && p[1] === 0x0a; // a part with no headers
        if (end < 0 && !blank) {
          if (p.length > MAX_HEADER_BYTES) throw ichError('ICH_E_BAD_MEDIA_TYPE', 'multipart part headers too long');
          return false;
        }
        const headerEnd = blank ? 0 : end;
        const headers = p.toString('latin1', 0, headerEnd);
        const ct = /^content-type:\s*([^;\r\n]+)/im.exec(headers)?.[1]?.trim().toLowerCase() ?? 'application/dicom';
        this.sink = this.openPart(ct);
        this.parts++;
        this.pending = p.subarray(headerEnd + (blank ? 2 : 4));
        this.state = 'body';
        return true;
      }
      case 'body': {
        const sink = this.sink as PartSink;
        const at = p.indexOf(this.delimiter);
        if (at < 0) {
          const keep = this.delimiter.length - 1;
          if (p.length > keep) {
            sink.write(p.subarray(0, p.length - keep));
            this.pending = p.subarray(p.length - keep);
          }
          return false;
        }
        if (at > 0) sink.write(p.subarray(0, at));
        sink.end();
        this.sink = undefined;
        this.pending = p.subarray(at + this.delimiter.length);
        this.state = 'after-delimiter';
        return true;
      }
      case 'done':
        this.pending = Buffer.alloc(0);
        return false;
    }
  }
}
