/**
 * Helpers for the DICOMweb tests: pydicom (Debian python3-pydicom 2.3.1) as the reference reader
 * of the same files, and a strict multipart/related reader (its own code, not the server's).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { TestContext } from 'node:test';

export const PYTHON = '/usr/bin/python3';

/** What pydicom reads of a file: `Dataset.to_json_dict` (binary over 1 MiB as "bulk") and pixel hashes. */
export interface PydicomView {
  json: Record<string, { vr: string; Value?: unknown[]; InlineBinary?: string; BulkDataURI?: string }>;
  pixels: { sha256?: string; dtype?: string; shape?: number[]; frames?: string[]; error?: string };
}

const SCRIPT = `
import sys, json, hashlib, pydicom
out = []
for f in sys.argv[1:]:
    ds = pydicom.dcmread(f)
    d = ds.to_json_dict(bulk_data_threshold=1 << 20, bulk_data_element_handler=lambda el: 'bulk')
    try:
        a = ds.pixel_array
        px = {'sha256': hashlib.sha256(a.tobytes()).hexdigest(), 'dtype': str(a.dtype), 'shape': list(a.shape)}
        if ds.BitsAllocated == 1:
            frames = a if a.ndim == 3 else a[None]
            px['frames'] = [hashlib.sha256(fr.astype('uint8').tobytes()).hexdigest() for fr in frames]
    except Exception as e:
        px = {'error': str(e)}
    out.append({'json': d, 'pixels': px})
print(json.dumps(out))
`;

export function hasPydicom(): boolean {
  return spawnSync(PYTHON, ['-c', 'import pydicom']).status === 0;
}

/** Skips without pydicom; under CI=true its absence fails. */
export function requirePydicom(t: TestContext): boolean {
  if (hasPydicom()) return true;
  if (process.env['CI'] === 'true') throw new Error('python3-pydicom missing but CI=true');
  t.skip('python3-pydicom not installed (apt-get install python3-pydicom)');
  return false;
}

export function readWithPydicom(files: string[]): PydicomView[] {
  const r = spawnSync(PYTHON, ['-W', 'ignore', '-c', SCRIPT, ...files], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`pydicom failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PydicomView[];
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a multipart/related body strictly: `--b CRLF headers CRLF CRLF body CRLF` … `--b--`; Content-Length checked when given. */
export function splitMultipart(body: Buffer, contentType: string): Part[] {
  const m = /boundary=("?)([^";]+)\1/.exec(contentType);
  if (!m) throw new Error(`no boundary in ${contentType}`);
  const boundary = m[2] as string;
  const delimiter = Buffer.from(`--${boundary}`);
  if (!body.subarray(0, delimiter.length).equals(delimiter)) throw new Error('body does not start with the boundary');
  const parts: Part[] = [];
  let pos = delimiter.length;
  for (;;) {
    const tail = body.subarray(pos, pos + 2).toString('latin1');
    if (tail === '--') {
      if (body.subarray(pos + 2).toString('latin1') !== '\r\n') throw new Error('bytes after the closing boundary');
      return parts;
    }
    if (tail !== '\r\n') throw new Error(`boundary not followed by CRLF at ${pos}`);
    const headEnd = body.indexOf('\r\n\r\n', pos + 2);
    if (headEnd < 0) throw new Error('part without a header end');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos + 2, headEnd).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const start = headEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), start);
    if (next < 0) throw new Error('part without a closing boundary');
    const partBody = body.subarray(start, next);
    if (headers['content-length'] !== undefined && Number(headers['content-length']) !== partBody.length) throw new Error(`Content-Length ${headers['content-length']} but ${partBody.length} bytes`);
    parts.push({ headers, body: partBody });
    pos = next + 2 + delimiter.length;
  }
}

/** Two DICOM JSON values equal: numbers within 1e-9 relative, everything else deeply. */
export function sameJsonValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJsonValue(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameJsonValue(ka, kb) && ka.every((k) => sameJsonValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}
