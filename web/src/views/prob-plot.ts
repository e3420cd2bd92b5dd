/**
 * P(any) and per-subtype probability along z (one point per slice of the stack, x = slice
 * position), the current slice marked by a vertical line, key slices as clickable diamonds on
 * top. A click anywhere on the plot goes to the nearest slice.
 */
import { SUBTYPES } from '../api/types.js';
import { SUBTYPE_RGB } from '../render/subtype-colours.js';

const PAD = { left: 30, right: 8, top: 16, bottom: 18 };

export class ProbPlot {
  readonly canvas = document.createElement('canvas');
  private current = 0;

  constructor(
    private readonly probs: readonly Record<string, number>[],
    /** Stack positions of the key slices. */
    private readonly keys: readonly number[],
    private readonly onPick: (position: number) => void,
  ) {
    this.canvas.className = 'plot';
    this.canvas.id = 'prob-plot';
    this.canvas.addEventListener('click', (ev) => this.onPick(this.positionAt(ev.offsetX)));
    new ResizeObserver(() => this.draw()).observe(this.canvas);
  }

  mark(position: number): void {
    this.current = position;
    this.draw();
  }

  /** x in CSS pixels → the nearest slice position. */
  private positionAt(x: number): number {
    const w = this.canvas.clientWidth - PAD.left - PAD.right;
    const n = this.probs.length;
    const t = n <= 1 ? 0 : Math.round(((x - PAD.left) / w) * (n - 1));
    return Math.max(0, Math.min(n - 1, t));
  }

  private draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const cw = c.clientWidth;
    const ch = c.clientHeight;
    if (cw === 0 || ch === 0) return;
    c.width = Math.round(cw * dpr);
    c.height = Math.round(ch * dpr);
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cw, ch);
    const w = cw - PAD.left - PAD.right;
    const h = ch - PAD.top - PAD.bottom;
    const n = this.probs.length;
    const xOf = (i: number): number => PAD.left + (n <= 1 ? w / 2 : (i / (n - 1)) * w);
    const yOf = (p: number): number => PAD.top + (1 - p) * h;
    g.font = '10px system-ui, sans-serif';
    g.fillStyle = '#8a94a6';
    g.strokeStyle = '#2a3242';
    g.lineWidth = 1;
    for (const p of [0, 0.5, 1]) {
      g.beginPath();
      g.moveTo(PAD.left, yOf(p) + 0.5);
      g.lineTo(PAD.left + w, yOf(p) + 0.5);
      g.stroke();
      g.fillText(p.toFixed(1), 4, yOf(p) + 3);
    }
    g.fillText('slice →', PAD.left + w - 36, ch - 4);
    const line = (key: string, colour: string, width: number): void => {
      g.strokeStyle = colour;
      g.lineWidth = width;
      g.beginPath();
      this.probs.forEach((p, i) => (i === 0 ? g.moveTo(xOf(i), yOf(p[key] ?? 0)) : g.lineTo(xOf(i), yOf(p[key] ?? 0))));
      g.stroke();
    };
    for (const s of SUBTYPES) line(s, `rgba(${SUBTYPE_RGB[s].join(',')}, 0.9)`, 1.25);
    line('any', '#f2f4f8', 2);
    g.strokeStyle = '#4fd1ff';
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(xOf(this.current), PAD.top - 4);
    g.lineTo(xOf(this.current), PAD.top + h);
    g.stroke();
    g.fillStyle = '#ffcf40';
    for (const k of this.keys) {
      const x = xOf(k);
      g.beginPath();
      g.moveTo(x, PAD.top - 12);
      g.lineTo(x + 5, PAD.top - 6);
      g.lineTo(x, PAD.top);
      g.lineTo(x - 5, PAD.top - 6);
      g.closePath();
      g.fill();
    }
  }
}
