/**
 * The image: one canvas at the slice's native size (Columns × Rows), CSS-scaled to fit, drawn
 * from one ImageData (grey from the window LUT, then the overlay blended in). Mouse: wheel =
 * slice, drag = window (horizontal: width, vertical: level). The canvas carries what a test or
 * benchmark needs to know about the picture in data attributes (position, SOP, window, draws).
 */
import type { OverlayLayer } from '../render/render-slice.js';
import { renderSlice } from '../render/render-slice.js';
import { WindowLutCache, type Window } from '../render/window-lut.js';
import type { SeriesLoader } from './series-loader.js';

/** Window change per screen pixel of drag, as a fraction of the current width (so bone and stroke windows both feel right). */
const DRAG_WIDTH_PER_PX = 1 / 150;
const DRAG_LEVEL_PER_PX = 1 / 300;

export class StackViewport {
  readonly canvas = document.createElement('canvas');
  position = 0;
  window: Window = { level: 40, width: 80 };
  overlayOn = true;
  /** Overlay opacity α, 0–1. */
  opacity = 0.5;
  /** Called after every change of position or window (to update labels, slider, plot). */
  onChange: () => void = () => undefined;
  private readonly luts = new WindowLutCache();
  private image: ImageData | null = null;
  private draws = 0;
  private pendingWindowDraw = false;

  constructor(
    private readonly loader: SeriesLoader,
    private readonly overlaysAt: (position: number) => OverlayLayer[],
  ) {
    this.canvas.id = 'ct-canvas';
    this.canvas.className = 'ct';
    this.canvas.addEventListener('wheel', (ev) => this.onWheel(ev), { passive: false });
    this.canvas.addEventListener('pointerdown', (ev) => this.onDragStart(ev));
    loader.onFrame = (i) => {
      // the benchmark's breakdown: when the first frame was decoded into samples (ms after navigation)
      this.canvas.dataset['firstFrameMs'] ??= performance.now().toFixed(1);
      this.canvas.dataset['loaded'] = String(loader.loaded);
      if (i === this.position) this.draw();
    };
  }

  /** Moves to slice `p` (clamped) and draws it now if its frame is here, else when it arrives. */
  setPosition(p: number): void {
    const clamped = Math.max(0, Math.min(this.loader.slices.length - 1, Math.round(p)));
    this.position = clamped;
    if (this.loader.frame(clamped)) this.draw();
    else void this.loader.load(clamped).catch(() => undefined);
    this.onChange();
  }

  step(delta: number): void {
    this.setPosition(this.position + delta);
  }

  setWindow(w: Window): void {
    this.window = { level: Math.round(w.level), width: Math.max(1, Math.round(w.width)) };
    this.draw();
    this.onChange();
  }

  setOverlay(on: boolean, opacity = this.opacity): void {
    this.overlayOn = on;
    this.opacity = Math.max(0, Math.min(1, opacity));
    this.draw();
    this.onChange();
  }

  /** Renders the current slice into the canvas (synchronously: a key press shows at the next frame). */
  draw(): void {
    const s = this.loader.slices[this.position];
    const px = this.loader.frame(this.position);
    if (!s?.meta || !px) return;
    const t0 = performance.now();
    const { rows, columns } = s.meta;
    if (this.canvas.width !== columns || this.canvas.height !== rows) [this.canvas.width, this.canvas.height] = [columns, rows];
    const g = this.canvas.getContext('2d');
    if (!g) return;
    if (!this.image || this.image.width !== columns || this.image.height !== rows) this.image = g.createImageData(columns, rows);
    const signed = s.meta.pixelRepresentation === 1 && s.meta.bitsAllocated === 16;
    const lut = this.luts.get(s.meta.rescaleSlope, s.meta.rescaleIntercept, signed, this.window);
    renderSlice(this.image, px, lut, signed, this.overlayOn ? this.overlaysAt(this.position) : [], this.opacity);
    g.putImageData(this.image, 0, 0);
    this.draws++;
    const d = this.canvas.dataset;
    if (d['firstDrawMs'] === undefined) {
      d['firstDrawMs'] = performance.now().toFixed(1);
      d['firstDrawCostMs'] = (performance.now() - t0).toFixed(1);
    }
    d['position'] = String(this.position);
    d['sop'] = s.meta.sopInstanceUid;
    d['window'] = `${this.window.level}/${this.window.width}`;
    d['overlay'] = this.overlayOn ? this.opacity.toFixed(2) : 'off';
    d['draws'] = String(this.draws);
  }

  private onWheel(ev: WheelEvent): void {
    ev.preventDefault();
    if (ev.deltaY !== 0) this.step(ev.deltaY > 0 ? 1 : -1);
  }

  private onDragStart(ev: PointerEvent): void {
    if (ev.button !== 0) return;
    ev.preventDefault();
    this.canvas.setPointerCapture(ev.pointerId);
    const x0 = ev.clientX;
    const y0 = ev.clientY;
    const w0 = this.window;
    const move = (e: PointerEvent): void => {
      const next = { width: w0.width * (1 + (e.clientX - x0) * DRAG_WIDTH_PER_PX), level: w0.level + (e.clientY - y0) * w0.width * DRAG_LEVEL_PER_PX };
      this.window = { level: Math.round(next.level), width: Math.max(1, Math.round(next.width)) };
      // coalesce pointer moves into one draw per animation frame
      if (this.pendingWindowDraw) return;
      this.pendingWindowDraw = true;
      requestAnimationFrame(() => {
        this.pendingWindowDraw = false;
        this.draw();
        this.onChange();
      });
    };
    const up = (): void => {
      this.canvas.removeEventListener('pointermove', move);
      this.canvas.removeEventListener('pointerup', up);
      this.canvas.removeEventListener('pointercancel', up);
    };
    this.canvas.addEventListener('pointermove', move);
    this.canvas.addEventListener('pointerup', up);
    this.canvas.addEventListener('pointercancel', up);
  }
}
