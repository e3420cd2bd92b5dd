/**
 * The study view (`/studies/<StudyInstanceUID>`): the scored series as a stack with HU windows,
 * the SEG's bleed overlay, the probability plot along z and the verdict. Order of work: study
 * detail → series metadata → the first slice (a key slice when there is one) drawn → then the
 * SEG and every other frame in the background.
 */
import { fetchStudyDetail } from '../api/api-client.js';
import { SUBTYPES, type StudyDetail, type Subtype } from '../api/types.js';
import { fetchInstanceFile } from '../dicom/dicomweb-client.js';
import { parseSeg, type SegMasks } from '../dicom/parse-seg.js';
import type { OverlayLayer } from '../render/render-slice.js';
import { SUBTYPE_RGB, subtypeOfLabel } from '../render/subtype-colours.js';
import { WINDOW_PRESETS } from '../render/window-lut.js';
import { el, formatProbability } from './dom.js';
import { ProbPlot } from './prob-plot.js';
import { SeriesLoader } from './series-loader.js';
import { StackViewport } from './stack-viewport.js';
import { renderOverlayControls, renderVerdictCard, renderWindowControls } from './study-panel.js';

/** The SEG's masks as overlay layers per source SOP Instance UID. */
function toOverlayLayers(seg: SegMasks): Map<string, OverlayLayer[]> {
  const colourOf = new Map<number, readonly [number, number, number]>();
  for (const s of seg.segments) {
    const subtype = subtypeOfLabel(s.label);
    colourOf.set(s.number, subtype ? SUBTYPE_RGB[subtype] : [255, 0, 255]);
  }
  const out = new Map<string, OverlayLayer[]>();
  for (const [sop, masks] of seg.bySource) out.set(sop, [...masks].map(([n, mask]) => ({ mask, rgb: colourOf.get(n) ?? [255, 0, 255] })));
  return out;
}

export class StudyView {
  private readonly abort = new AbortController();
  private readonly onKey = (ev: KeyboardEvent): void => this.handleKey(ev);
  private viewport: StackViewport | null = null;
  private overlayControls: ReturnType<typeof renderOverlayControls> | null = null;
  /** The side panel, built with the stage but put on the page after the first image (less to lay out and paint before it). */
  private side: { grid: HTMLElement; panel: HTMLElement } | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly uid: string,
    private readonly onBack: () => void,
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): void {
    this.root.replaceChildren(el('main', { class: 'study-page' }, el('p', { class: 'muted loading' }, 'Loading study…')));
    this.load().catch((e: unknown) => {
      if (!this.abort.signal.aborted) this.onError(e);
    });
  }

  stop(): void {
    this.abort.abort();
    document.removeEventListener('keydown', this.onKey);
  }

  private async load(): Promise<void> {
    const detail = await fetchStudyDetail(this.uid);
    if (this.abort.signal.aborted) return;
    if (detail.status !== 'done' || !detail.seriesInstanceUid) {
      this.root.replaceChildren(el('main', { class: 'study-page' }, this.renderHeader(detail), el('p', { class: 'muted loading' }, `This study is ${detail.status}; the view opens by itself once it is scored.`)));
      // asked again every 2 s (the worklist's rate) until scored; a failed study stays as it is
      if (detail.status !== 'failed')
        window.setTimeout(() => {
          if (!this.abort.signal.aborted) this.start();
        }, 2000);
      return;
    }
    const loader = new SeriesLoader(detail);
    let layers = new Map<string, OverlayLayer[]>();
    const vp = new StackViewport(loader, (p) => layers.get(loader.slices[p]?.score.sopInstanceUid ?? '') ?? []);
    this.viewport = vp;
    const keyPositions = detail.keySlices.map((k) => loader.slices.findIndex((s) => s.score.index === k.index)).filter((p) => p >= 0);
    const start = keyPositions[0] ?? Math.floor(loader.slices.length / 2);
    // the first frame's requests go out before the page is laid out (the shortest path to an image)
    const firstFrame = loader.load(start);
    this.layout(detail, loader, vp, keyPositions);
    vp.setPosition(start);
    await firstFrame;
    if (this.side) this.side.grid.append(this.side.panel);
    if (this.abort.signal.aborted) return;
    // the first image is up: now the SEG and the rest of the stack
    void this.loadSeg(detail).then((seg) => {
      if (!seg || this.abort.signal.aborted) return;
      layers = toOverlayLayers(seg);
      vp.canvas.dataset['seg'] = 'loaded';
      this.overlayControls?.status(`SEG: ${seg.segments.map((s) => s.label).join(', ') || 'no segments'} on ${seg.bySource.size} slices`);
      vp.draw();
    });
    await loader.prefetchAll(start, this.abort.signal);
    vp.canvas.dataset['allLoadedMs'] = performance.now().toFixed(1);
    vp.canvas.dataset['allLoaded'] = 'true';
  }

  private async loadSeg(d: StudyDetail): Promise<SegMasks | null> {
    const seg = d.results.find((r) => r.kind === 'seg');
    if (!seg) {
      this.overlayControls?.status('No SEG for this study (no bleed located).');
      return null;
    }
    try {
      return parseSeg(await fetchInstanceFile(d.studyInstanceUid, seg.seriesInstanceUid, seg.sopInstanceUid));
    } catch (e) {
      this.overlayControls?.status(`SEG could not be read: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  private renderHeader(d: StudyDetail): HTMLElement {
    const back = el('a', { href: '/', class: 'back', id: 'back' }, '← Worklist');
    back.addEventListener('click', (ev) => {
      ev.preventDefault();
      this.onBack();
    });
    return el('div', { class: 'toolbar' }, back, el('h2', {}, 'Study'), el('span', { class: 'uid', id: 'study-uid' }, d.studyInstanceUid), el('span', { class: `status ${d.status}` }, d.status));
  }

  private layout(d: StudyDetail, loader: SeriesLoader, vp: StackViewport, keyPositions: number[]): void {
    const n = loader.slices.length;
    const slider = el('input', { type: 'range', id: 'slice-slider', min: '0', max: String(n - 1), step: '1', value: '0' });
    slider.addEventListener('input', () => vp.setPosition(Number(slider.value)));
    const label = el('span', { id: 'slice-label', class: 'hud-text' }, '');
    const sliceP = el('span', { id: 'slice-p', class: 'hud-text' }, '');
    const win = renderWindowControls((w) => vp.setWindow(w));
    const located = SUBTYPES.filter((s) => (d.volume?.[s] ?? 0) > 0);
    this.overlayControls = renderOverlayControls(located.length > 0 ? located : (d.subtypes.filter((s) => (SUBTYPES as readonly string[]).includes(s)) as Subtype[]), 'Loading the SEG…', (on, o) => vp.setOverlay(on, o));
    const plot = new ProbPlot(loader.slices.map((s) => s.score.probabilities), keyPositions, (p) => vp.setPosition(p));
    const keys = el('div', { class: 'keys', id: 'key-slices' }, el('span', { class: 'muted small' }, 'Key slices: '));
    keyPositions.forEach((p) => {
      const s = loader.slices[p];
      const b = el('button', { type: 'button', 'data-position': String(p) }, `#${p + 1} · ${formatProbability(s?.score.probabilities['any'])}`);
      b.addEventListener('click', () => vp.setPosition(p));
      keys.append(b);
    });
    const wl = el('span', { id: 'window-hud', class: 'hud-text' }, '');
    vp.onChange = () => {
      const s = loader.slices[vp.position];
      label.textContent = `Slice ${vp.position + 1} / ${n}${s?.score.z !== null && s?.score.z !== undefined ? ` · z ${s.score.z.toFixed(1)} mm` : ''}`;
      label.dataset['position'] = String(vp.position);
      sliceP.textContent = `P(any) ${formatProbability(s?.score.probabilities['any'])}`;
      wl.textContent = `L ${vp.window.level} W ${vp.window.width}`;
      slider.value = String(vp.position);
      win.show(vp.window);
      this.overlayControls?.set(vp.overlayOn, vp.opacity);
      plot.mark(vp.position);
    };
    const stage = el('div', { class: 'stage' }, vp.canvas, el('div', { class: 'hud top-left' }, label), el('div', { class: 'hud top-right' }, wl), el('div', { class: 'hud bottom-left' }, sliceP), el('div', { class: 'hud bottom-right' }, 'NOT FOR DIAGNOSTIC USE'));
    const plotCard = el('section', { class: 'card' }, el('h3', {}, 'Probability along z'), plot.canvas, this.renderPlotLegend(), keys);
    const side = el('aside', { class: 'side' }, renderVerdictCard(d), plotCard, win.box, this.overlayControls.box, this.renderHelp());
    const grid = el('div', { class: 'study-grid' }, el('div', { class: 'viewer' }, stage, el('div', { class: 'slider-row' }, el('span', { class: 'muted small' }, 'slice'), slider)));
    this.side = { grid, panel: side };
    this.root.replaceChildren(el('main', { class: 'study-page' }, this.renderHeader(d), grid));
    document.addEventListener('keydown', this.onKey);
  }

  private renderPlotLegend(): HTMLElement {
    return el('div', { class: 'legend small' }, el('span', { class: 'legend-item' }, el('span', { class: 'swatch line', style: '--c: #f2f4f8' }), 'any'), ...SUBTYPES.map((s) => el('span', { class: 'legend-item' }, el('span', { class: 'swatch line', style: `--c: rgb(${SUBTYPE_RGB[s].join(',')})` }), s)));
  }

  private renderHelp(): HTMLElement {
    return el('section', { class: 'card help' }, el('h3', {}, 'Keys'), el('p', { class: 'muted small' }, '↑ ↓ or wheel: slice · PgUp PgDn: 5 slices · Home End · 1–4: Brain, Subdural, Stroke, Bone · O: overlay · drag: window'));
  }

  private handleKey(ev: KeyboardEvent): void {
    const vp = this.viewport;
    // keys typed into a text field are not viewer commands (the slider and the checkbox are)
    const typing = ev.target instanceof HTMLInputElement && ev.target.type !== 'range' && ev.target.type !== 'checkbox';
    if (!vp || typing) return;
    const preset = WINDOW_PRESETS.find((p) => p.key === ev.key);
    const actions: Record<string, () => void> = {
      ArrowDown: () => vp.step(1),
      ArrowUp: () => vp.step(-1),
      PageDown: () => vp.step(5),
      PageUp: () => vp.step(-5),
      Home: () => vp.setPosition(0),
      End: () => vp.setPosition(Number.MAX_SAFE_INTEGER),
      o: () => vp.setOverlay(!vp.overlayOn),
      O: () => vp.setOverlay(!vp.overlayOn),
    };
    const act = preset ? () => vp.setWindow(preset.window) : actions[ev.key];
    if (!act) return;
    ev.preventDefault();
    act();
  }
}
