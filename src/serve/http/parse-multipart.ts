/**
 * multipart/related bodies (RFC 2387) as STOW-RS sends them (PS3.18 §10.5): the boundary and type
 * from the Content-Type header, then each part's headers and bytes. Parts are views into the
 * body buffer (no copies).
 */
import { ichError } from '../../core/errors.js';

export interface MultipartPart {
  contentType: string;
  body: Buffer;
}

/** `multipart/related; type="application/dicom"; boundary=…` → boundary; ICH_E_BAD_MEDIA_TYPE otherwise. */
export function relatedBoundary(contentType: string | undefined): string {
  const ct = contentType ?? '';
  if (!/^multipart\/related\b/i.test(ct)) throw ichError('ICH_E_BAD_MEDIA_TYPE', 'STOW-RS needs multipart/related; type="application/dicom"');
  const param = (name: string): string | undefined => {
    const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(ct);
    return m ? (m[1] ?? m[2]) : undefined;
  };
  const type = param('type');
  if (type !== undefined && type.toLowerCase() !== 'application/dicom') throw ichError('ICH_E_BAD_MEDIA_TYPE', `type="${type}": only application/dicom parts are accepted`);
  const boundary = param('boundary');
  if (!boundary) throw ichError('ICH_E_BAD_MEDIA_TYPE', 'multipart/related without a boundary');
  return boundary;
}

export function splitMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    let start = at + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // closing delimiter "--boundary--"
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw ichError('ICH_E_BAD_MEDIA_TYPE', 'multipart body ends without its closing boundary');
    // a part with no headers starts with the blank line itself
    const blank = body[start] === 0x0d && body[start + 1] === 0x0a;
    const headerEnd = blank ? start : body.indexOf('\r\n\r\n', start, 'latin1');
    if (headerEnd < 0 || headerEnd > next) throw ichError('ICH_E_BAD_MEDIA_TYPE', 'multipart part without a header block');
    const headers = body.toString('latin1', start, headerEnd);
    const ct = /^content-type:\s*([^;\r\n]+)/im.exec(headers)?.[1]?.trim().toLowerCase() ?? 'application/dicom';
    // the part's bytes end before the CRLF that precedes the next delimiter
    const end = body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next;
    parts.push({ contentType: ct, body: body.subarray(headerEnd + (blank ? 2 : 4), end) });
    at = next;
  }
  return parts;
}
