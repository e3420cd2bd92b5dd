/**
 * Loss curves as inline SVG: per run, training loss (dashed) and validation weighted log loss
 * (solid) against epoch, on shared axes scaled to the data (x: epochs 1..max, y: 0..max loss).
 */
import { escapeHtml } from '../core/html.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#111111'];

export interface LossCurve {
  label: string;
  /** Per epoch (1-based on the chart): training loss, validation loss (null when not finite). */
  train: (number | null)[];
  val: (number | null)[];
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function renderLossCurvesSvg(curves: readonly LossCurve[], width = 640, height = 360): string {
  const m = { l: 50, r: 190, t: 20, b: 40 };
  const epochs = Math.max(1, ...curves.map((c) => Math.max(c.train.length, c.val.length)));
  const values = curves.flatMap((c) => [...c.train, ...c.val]).filter((v): v is number => v !== null && Number.isFinite(v));
  const yMax = niceMax(Math.max(0, ...values));
  const x = (e: number): number => m.l + (epochs === 1 ? 0.5 : (e - 1) / (epochs - 1)) * (width - m.l - m.r);
  const y = (v: number): number => height - m.b - (v / yMax) * (height - m.t - m.b);
  const parts: string[] = [`<rect x="${m.l}" y="${m.t}" width="${width - m.l - m.r}" height="${height - m.t - m.b}" fill="none" stroke="#999"/>`];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<text x="${m.l - 6}" y="${(y(v) + 3).toFixed(1)}" font-size="10" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
  }
  const step = Math.max(1, Math.ceil(epochs / 10));
  for (let e = 1; e <= epochs; e += step) parts.push(`<text x="${x(e).toFixed(1)}" y="${height - m.b + 14}" font-size="10" text-anchor="middle">${e}</text>`);
  parts.push(`<text x="${(m.l + width - m.r) / 2}" y="${height - 6}" font-size="12" text-anchor="middle">epoch</text>`);
  parts.push(`<text x="12" y="${height / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 12 ${height / 2})">loss</text>`);
  const line = (vals: (number | null)[], color: string, dashed: boolean): string => {
    const pts = vals.flatMap((v, i) => (v !== null && Number.isFinite(v) ? [`${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`] : [])).join(' ');
    const dots = vals.flatMap((v, i) => (v !== null && Number.isFinite(v) ? [`<circle cx="${x(i + 1).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${color}"/>`] : [])).join('');
    return `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="5 4"' : ''}/>${dots}`;
  };
  curves.forEach((c, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    parts.push(line(c.train, color, true), line(c.val, color, false));
    parts.push(`<g transform="translate(${width - m.r + 10},${m.t + 10 + i * 16})"><rect width="10" height="10" fill="${color}"/><text x="14" y="9" font-size="11">${escapeHtml(c.label)}</text></g>`);
  });
  parts.push(`<text x="${width - m.r + 10}" y="${height - m.b}" font-size="10" fill="#555">dashed: train, solid: validation</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="loss curves">${parts.join('')}</svg>`;
}
