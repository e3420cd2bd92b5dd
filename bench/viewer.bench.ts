/**
 * The viewer on loopback: a synthetic 40-slice study (512², as a real head CT) sent to an
 * in-process `ichscan serve`, scored, then opened in Debian chromium. Reports, over `--runs`
 * fresh page loads: the time from navigation to the first CT image drawn (the page's own clock:
 * performance.now() at the draw, 0 = navigation start; target ≤ 1 s) and to all frames loaded;
 * then, with every frame loaded, scrolling speed in slices/s: one ArrowDown per animation frame
 * (what the screen shows; capped by the display rate) and key events back to back (the draw
 * cost alone). Usage: `npm run bench:viewer -- [--slices 40] [--size 512] [--runs 5] [--json]`.
 * Prints numbers; not a test.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { parseArgs } from 'node:util';
import { generateSynthDataset } from '../src/synth/index.js';
import { PROJECT_ROOT } from '../test/helpers/shared-data.js';
import { READ_TOKEN } from '../test/serve/serve-helpers.js';
import { getApi, groupByStudy, launchChromium, startViewerService, stowFiles, waitScored, type ApiStudy } from '../test/web/viewer-helpers.js';

const { values } = parseArgs({ options: { slices: { type: 'string', default: '40' }, size: { type: 'string', default: '512' }, runs: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const slices = Number(values.slices);
const size = Number(values.size);
const runs = Number(values.runs);

/**
 * In-page: `steps` slice changes by ArrowDown/ArrowUp (bouncing at the ends). Paced: each waits for
 * the next animation frame (one presented frame per slice); raw: back to back (each draws
 * synchronously), the renderer's own rate.
 */
const SCROLL_JS = (steps: number, paced: boolean): string => `(async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const c = document.getElementById('ct-canvas');
  const n = Number(document.getElementById('slice-slider').max) + 1;
  if (${paced}) await frame();
  const draws0 = Number(c.dataset.draws);
  const t0 = performance.now();
  let down = true;
  for (let i = 0; i < ${steps}; i++) {
    const p = Number(c.dataset.position);
    if (p >= n - 1) down = false; else if (p <= 0) down = true;
    document.dispatchEvent(new KeyboardEvent('keydown', { key: down ? 'ArrowDown' : 'ArrowUp', bubbles: true }));
    if (${paced}) await frame();
  }
  c.getContext('2d').getImageData(0, 0, 1, 1); // wait for the canvas work to finish
  return { ms: performance.now() - t0, draws: Number(c.dataset.draws) - draws0 };
})()`;

/** Before any page script: records main-thread tasks over 50 ms (Long Tasks API) from navigation on. */
const LONG_TASKS_INIT_JS = `window.__longTasks = [];
new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push({ start: e.startTime, ms: e.duration }); }).observe({ type: 'longtask', buffered: true });`;

/** In-page: the requests that finished before the first draw (path, start and end in ms after navigation). */
const CRITICAL_PATH_JS = `(() => {
  const firstDraw = Number(document.getElementById('ct-canvas').dataset.firstDrawMs);
  const nav = performance.getEntriesByType('navigation')[0];
  const rows = [{ path: '(document)', start: 0, end: nav ? nav.responseEnd : NaN }];
  for (const e of performance.getEntriesByType('resource')) {
    if (e.responseEnd > firstDraw) continue;
    const u = new URL(e.name);
    rows.push({ path: u.pathname.replace(/\\/[0-9.]{20,}/g, '/…'), start: e.startTime, end: e.responseEnd });
  }
  for (const name of ['ichscan:frame-headers', 'ichscan:frame-body', 'ichscan:frame-split']) {
    const m = performance.getEntriesByName(name)[0];
    if (m) rows.push({ path: '(' + name.slice(8) + ' of the first frame in script)', start: m.startTime, end: m.startTime });
  }
  for (const t of window.__longTasks ?? []) if (t.start < firstDraw) rows.push({ path: '(main-thread task of ' + t.ms.toFixed(0) + ' ms)', start: t.start, end: t.start + t.ms });
  const d = document.getElementById('ct-canvas').dataset;
  rows.push({ path: '(first frame decoded into samples)', start: Number(d.firstFrameMs), end: Number(d.firstFrameMs) });
  rows.push({ path: '(first CT image drawn: LUT + ImageData + putImageData took ' + d.firstDrawCostMs + ' ms)', start: firstDraw - Number(d.firstDrawCostMs), end: firstDraw });
  return rows.sort((a, b) => a.end - b.end);
})()`;

/**
 * Waits for a data attribute of the viewer's canvas by evaluating one tiny expression every 100 ms.
 * Not page.waitForSelector: that injects playwright's selector engine into the page and polls on
 * animation frames, main-thread work that a trace showed competing with the page being measured.
 */
async function waitCanvasAttr(page: Page, attr: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await page.evaluate<string | null>(`document.getElementById('ct-canvas')?.dataset['${attr}'] ?? null`);
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for data-${attr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

// the synthetic study is cached: 40 slices at 512² take a while to generate
const cache = join(PROJECT_ROOT, '.cache', `bench-viewer-${slices}-${size}`);
if (!existsSync(join(cache, 'images'))) {
  process.stderr.write(`generating a ${slices}-slice ${size}² study into ${cache}\n`);
  await generateSynthDataset({ studies: 1, slicesPerStudy: [slices, slices], size, seed: 4343, prevalence: 1, out: cache });
}
const files = readdirSync(join(cache, 'images')).filter((f) => f.endsWith('.dcm')).map((f) => join(cache, 'images', f));
const [[uid, studyFiles]] = [...groupByStudy(files).entries()] as [[string, string[]]];

const svc = await startViewerService('bench-viewer');
const browser = await launchChromium();
try {
  await stowFiles(svc.httpPort, studyFiles);
  await waitScored(svc.httpPort, [uid], 600_000);
  const detail = await getApi<ApiStudy>(svc.httpPort, `/api/studies/${uid}`);
  const load0 = loadavg()[0] ?? NaN;
  const first: number[] = [];
  const wall: number[] = [];
  const all: number[] = [];
  let paced = { ms: NaN, draws: 0 };
  let raw = { ms: NaN, draws: 0 };
  let critical: { path: string; start: number; end: number }[] = [];
  for (let r = 0; r < runs; r++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(LONG_TASKS_INIT_JS);
    const t0 = Date.now();
    await page.goto(`http://127.0.0.1:${svc.httpPort}/studies/${uid}#token=${READ_TOKEN}`);
    first.push(Number(await waitCanvasAttr(page, 'firstDrawMs', 30_000)));
    wall.push(Date.now() - t0);
    all.push(Number(await waitCanvasAttr(page, 'allLoadedMs', 60_000)));
    if (r === runs - 1) {
      critical = await page.evaluate<{ path: string; start: number; end: number }[]>(CRITICAL_PATH_JS);
      paced = await page.evaluate<{ ms: number; draws: number }>(SCROLL_JS(200, true));
      raw = await page.evaluate<{ ms: number; draws: number }>(SCROLL_JS(400, false));
    }
    await context.close();
  }
  const load1 = loadavg()[0] ?? NaN;
  const result = {
    slices: detail.slices.length,
    size,
    runs,
    firstImageMs: { median: median(first), max: Math.max(...first), all: first },
    firstImageWallMs: { median: median(wall), max: Math.max(...wall) },
    allFramesLoadedMs: { median: median(all), max: Math.max(...all) },
    scrollSlicesPerS: { perAnimationFrame: (paced.draws / paced.ms) * 1000, backToBack: (raw.draws / raw.ms) * 1000 },
    loadAverage1m: { before: load0, after: load1 },
    criticalPathLastRun: critical,
    chromium: browser.version(),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const f = (x: number): string => x.toFixed(0);
    process.stdout.write(
      [
        `viewer on loopback: ${result.slices}-slice ${size}² study, chromium ${result.chromium}, ${runs} page loads, load average ${load0.toFixed(2)} → ${load1.toFixed(2)}`,
        `first CT image drawn: median ${f(result.firstImageMs.median)} ms, max ${f(result.firstImageMs.max)} ms after navigation (target ≤ 1000); as seen by the driver ${f(result.firstImageWallMs.median)} ms`,
        `all ${result.slices} frames loaded: median ${f(result.allFramesLoadedMs.median)} ms`,
        `scrolling with all frames loaded: ${result.scrollSlicesPerS.perAnimationFrame.toFixed(1)} slices/s one per animation frame (target ≥ 30), ${f(result.scrollSlicesPerS.backToBack)} slices/s back to back`,
        'requests before the first draw (last run, ms after navigation):',
        ...critical.map((c) => `  ${c.start.toFixed(0).padStart(5)} → ${c.end.toFixed(0).padStart(5)}  ${c.path}`),
      ].join('\n') + '\n',
    );
  }
} finally {
  await browser.close();
  await svc.close();
}
