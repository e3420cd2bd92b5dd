/**
 * Helpers for the viewer's browser tests and benchmark: a real `ichscan serve` in-process
 * (`startService`: HTTP app with the built viewer, DICOMweb and the embedded scorer) fed with
 * synthetic studies by STOW-RS over loopback and waited on until scored; Debian chromium through
 * playwright-core; canvas pixels read back; and, independently of the viewer's own code, the
 * expected grey (window formula on the frame bytes) and the SEG's masks (parsed with dicom-parser).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import dicomParser from 'dicom-parser';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startService, type RunningService } from '../../src/serve/start-service.js';
import { readInstanceHeader } from '../../src/serve/read-instance-header.js';
import { testConfig, waitFor, READ_TOKEN, WRITE_TOKEN } from '../serve/serve-helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Flags for headless Debian chromium in a container: no sandbox, no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Skips when chromium is absent; under CI=true its absence fails the test. */
export function requireChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env['CI'] === 'true') throw new Error(`${CHROMIUM} missing but CI=true (.ci/run installs the Debian package chromium)`);
  t.skip(`${CHROMIUM} not installed (apt-get install chromium): the viewer's browser tests need it`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Synthetic image files grouped by StudyInstanceUID. */
export function groupByStudy(files: readonly string[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const f of files) {
    const uid = readInstanceHeader(f).studyUid;
    by.set(uid, [...(by.get(uid) ?? []), f]);
  }
  return by;
}

/** POSTs files as one STOW-RS request; throws unless 200. */
export async function stowFiles(port: number, files: readonly string[]): Promise<void> {
  const boundary = 'ichscan-viewer-test';
  const chunks: Buffer[] = [];
  for (const f of files) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), readFileSync(f), Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const r = await fetch(`http://127.0.0.1:${port}/dicomweb/studies`, { method: 'POST', body: Buffer.concat(chunks), headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, authorization: `Bearer ${WRITE_TOKEN}` } });
  if (r.status !== 200) throw new Error(`STOW-RS answered ${r.status}: ${await r.text()}`);
}

/** A listening service on 127.0.0.1:0 with a 1 s stable age (studies are scored a second after they stop arriving). */
export async function startViewerService(prefix: string): Promise<RunningService> {
  return startService(testConfig(prefix, { stableAgeS: 1 }), { logLevel: 'silent', engine: { threads: 1 } });
}

export async function getApi<T>(port: number, path: string): Promise<T> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return (await r.json()) as T;
}

export interface ApiStudy {
  studyInstanceUid: string;
  status: string;
  flagged: boolean | null;
  anyProbability: number | null;
  seriesInstanceUid?: string;
  slices: { index: number; sopInstanceUid: string; z: number | null }[];
  results: { kind: string; sopInstanceUid: string; seriesInstanceUid: string }[];
}

/** Waits until every study in `uids` is done (or failed: then throws). */
export async function waitScored(port: number, uids: readonly string[], timeoutMs: number): Promise<void> {
  await waitFor(
    'studies scored',
    async () => {
      const wl = await getApi<{ studies: ApiStudy[] }>(port, '/api/worklist');
      const mine = wl.studies.filter((s) => uids.includes(s.studyInstanceUid));
      const failed = mine.find((s) => s.status === 'failed');
      if (failed) throw new Error(`study failed: ${JSON.stringify(failed)}`);
      return mine.length === uids.length && mine.every((s) => s.status === 'done') ? true : undefined;
    },
    timeoutMs,
    300,
  );
}

/** Splits a multipart/related body; returns each part's bytes (headers dropped). */
export function splitParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delim = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delim);
  while (at !== -1 && body.subarray(at + delim.length, at + delim.length + 2).toString() !== '--') {
    const start = body.indexOf('\r\n\r\n', at) + 4;
    const next = body.indexOf(delim, start);
    parts.push(body.subarray(start, next - 2));
    at = next;
  }
  return parts;
}

async function getBytes(port: number, path: string, accept: string): Promise<Buffer[]> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${READ_TOKEN}`, accept } });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return splitParts(Buffer.from(await r.arrayBuffer()), r.headers.get('content-type') ?? '');
}

/** One CT slice as the test sees it: its stored samples and rescale, from WADO-RS frames + metadata. */
export interface FetchedSlice {
  rows: number;
  columns: number;
  stored: Int16Array | Uint16Array;
  slope: number;
  intercept: number;
}

export async function fetchSlice(port: number, study: string, series: string, sop: string): Promise<FetchedSlice> {
  const base = `/dicomweb/studies/${study}/series/${series}/instances/${sop}`;
  const meta = (await getApi<Record<string, { Value?: unknown[] }>[]>(port, `${base}/metadata`))[0] ?? {};
  const num = (tag: string, d: number): number => Number(meta[tag]?.Value?.[0] ?? d);
  const [frame] = await getBytes(port, `${base}/frames/1`, 'multipart/related; type="application/octet-stream"');
  if (!frame) throw new Error('no frame part');
  const copy = Uint8Array.from(frame).buffer;
  const signed = num('00280103', 0) === 1;
  return { rows: num('00280010', 0), columns: num('00280011', 0), stored: signed ? new Int16Array(copy) : new Uint16Array(copy), slope: num('00281053', 1), intercept: num('00281052', 0) };
}

/** Expected grey per pixel under window level/width: round(255 × clamp((HU − (L − W/2)) / W, 0, 1)). */
export function expectedGrey(s: FetchedSlice, level: number, width: number): Uint8Array {
  const out = new Uint8Array(s.stored.length);
  for (let i = 0; i < out.length; i++) {
    const hu = (s.stored[i] as number) * s.slope + s.intercept;
    const v = (hu - (level - width / 2)) / width;
    out[i] = Math.round((v <= 0 ? 0 : v >= 1 ? 1 : v) * 255);
  }
  return out;
}

/** The SEG's masks per source SOP (union over segments), parsed with dicom-parser from the WADO-RS instance. */
export async function fetchSegMasks(port: number, study: string, seg: { seriesInstanceUid: string; sopInstanceUid: string }): Promise<{ rows: number; columns: number; bySource: Map<string, Uint8Array> }> {
  const [file] = await getBytes(port, `/dicomweb/studies/${study}/series/${seg.seriesInstanceUid}/instances/${seg.sopInstanceUid}`, 'multipart/related; type="application/dicom"');
  if (!file) throw new Error('no SEG part');
  const ds = dicomParser.parseDicom(new Uint8Array(file));
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  const px = ds.elements['x7fe00010'];
  if (!px) throw new Error('SEG without pixel data');
  const bits = new Uint8Array(file.buffer, file.byteOffset + px.dataOffset, px.length);
  const n = rows * columns;
  const bySource = new Map<string, Uint8Array>();
  (ds.elements['x52009230']?.items ?? []).forEach((item, f) => {
    const source = item.dataSet?.elements['x00089124']?.items?.[0]?.dataSet?.elements['x00082112']?.items?.[0]?.dataSet?.string('x00081155');
    if (!source) throw new Error(`SEG frame ${f} names no source`);
    const mask = bySource.get(source) ?? new Uint8Array(n);
    for (let k = 0; k < n; k++) if ((((bits[(f * n + k) >>> 3] as number) >> ((f * n + k) & 7)) & 1) === 1) mask[k] = 1;
    bySource.set(source, mask);
  });
  return { rows, columns, bySource };
}

/**
 * In-page code that reads the viewer canvas (getImageData) as base64 RGBA. A string, because the
 * root tsconfig has no DOM library (the test runs in Node; this runs in the page).
 */
const READ_CANVAS_JS = `(() => {
  const c = document.getElementById('ct-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let s = '';
  for (let i = 0; i < d.length; i += 8192) s += String.fromCharCode(...d.subarray(i, i + 8192));
  return { width: c.width, height: c.height, b64: btoa(s) };
})()`;

/** The viewer canvas's RGBA pixels, as bytes. */
export async function readCanvas(page: Page): Promise<{ width: number; height: number; rgba: Buffer }> {
  const got = await page.evaluate<{ width: number; height: number; b64: string }>(READ_CANVAS_JS);
  return { width: got.width, height: got.height, rgba: Buffer.from(got.b64, 'base64') };
}

/** Waits until the canvas shows stack position `p` (data-position, set by the draw itself). */
export async function waitPosition(page: Page, p: number): Promise<void> {
  await page.waitForSelector(`#ct-canvas[data-position="${p}"]`, { timeout: 10_000 });
}

/** The worklist rows' StudyInstanceUIDs, top to bottom. */
export async function readWorklistOrder(page: Page): Promise<string[]> {
  const rows = page.locator('#worklist tbody tr[data-uid]');
  const out: string[] = [];
  for (let i = 0, n = await rows.count(); i < n; i++) out.push((await rows.nth(i).getAttribute('data-uid')) ?? '');
  return out;
}

export const artifactsDir = (): string => join(process.cwd(), 'test-artifacts', 'viewer');
