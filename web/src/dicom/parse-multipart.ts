/**
 * The parts of a `multipart/related` body (WADO-RS answers): the boundary from the Content-Type,
 * each part's bytes without its headers. Parts are views into `body` (no copies).
 */
const CRLF2 = [13, 10, 13, 10];

function boundaryOf(contentType: string): string {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m?.[1]) throw new Error(`no boundary in ${contentType}`);
  return m[1];
}

/** First index of `needle` in `hay` at or after `from`, or -1. */
function findBytes(hay: Uint8Array, needle: readonly number[] | Uint8Array, from: number): number {
  const n = needle.length;
  const first = needle[0];
  outer: for (let i = hay.indexOf(first as number, from); i !== -1 && i + n <= hay.length; i = hay.indexOf(first as number, i + 1)) {
    for (let k = 1; k < n; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

export function splitMultipart(body: Uint8Array, contentType: string): Uint8Array[] {
  const delimiter = new TextEncoder().encode(`--${boundaryOf(contentType)}`);
  const parts: Uint8Array[] = [];
  let at = findBytes(body, delimiter, 0);
  while (at !== -1) {
    const afterDelim = at + delimiter.length;
    if (body[afterDelim] === 45 && body[afterDelim + 1] === 45) break; // "--": the close delimiter
    const headersEnd = findBytes(body, CRLF2, afterDelim);
    if (headersEnd === -1) break;
    const start = headersEnd + 4;
    const next = findBytes(body, delimiter, start);
    if (next === -1) throw new Error('multipart body ends without its close delimiter');
    // the CRLF before the next delimiter belongs to the delimiter
    const end = body[next - 2] === 13 && body[next - 1] === 10 ? next - 2 : next;
    parts.push(body.subarray(start, end));
    at = next;
  }
  return parts;
}
