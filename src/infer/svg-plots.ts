/**
 * Inline SVG plots for the evaluation report (no plotting library, no external assets): ROC curves
 * of several labels on one chart, and a calibration (reliability) diagram. Coordinates: data in
 * [0, 1]², drawn in a square with a margin; the y axis points up.
 */
import type { CalibrationBin } from '../model/metrics.js';
import { escapeHtml } from '../core/html.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#111111'];


interface Frame {
  size: number;
  m: number;
  x(v: number): number;
  y(v: number): number;
}

function frame(size = 360, m = 40): Frame {
  const inner = size - 2 * m;
  return { size, m, x: (v) => m + v * inner, y: (v) => size - m - v * inner };
}

function axes(f: Frame, xLabel: string, yLabel: string): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [`<rect x="${f.m}" y="${f.m}" width="${f.size - 2 * f.m}" height="${f.size - 2 * f.m}" fill="none" stroke="#999"/>`];
  for (const t of ticks) {
    parts.push(`<text x="${f.x(t)}" y="${f.size - f.m + 14}" font-size="10" text-anchor="middle">${t}</text>`);
    parts.push(`<text x="${f.m - 6}" y="${f.y(t) + 3}" font-size="10" text-anchor="end">${t}</text>`);
  }
  parts.push(`<text x="${f.size / 2}" y="${f.size - 6}" font-size="12" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  parts.push(`<text x="12" y="${f.size / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 12 ${f.size / 2})">${escapeHtml(yLabel)}</text>`);
  parts.push(`<line x1="${f.x(0)}" y1="${f.y(0)}" x2="${f.x(1)}" y2="${f.y(1)}" stroke="#ccc" stroke-dasharray="4 3"/>`);
  return parts.join('');
}

/** ROC curves: one polyline per label, legend with the AUC. Null curves are listed as n/a. */
export function renderRocSvg(curves: readonly { label: string; fpr: readonly number[]; tpr: readonly number[]; auc: number | null }[]): string {
  const f = frame(420, 40);
  const lines = curves.map((c, i) => {
    const pts = c.fpr.map((x, j) => `${f.x(x).toFixed(1)},${f.y(c.tpr[j] as number).toFixed(1)}`).join(' ');
    return `<polyline points="${pts}" fill="none" stroke="${PALETTE[i % PALETTE.length] as string}" stroke-width="2"/>`;
  });
  const legend = curves.map(
    (c, i) =>
      `<g transform="translate(${f.x(0.45)},${f.y(0.42) + i * 15})"><rect width="10" height="10" fill="${PALETTE[i % PALETTE.length] as string}"/><text x="14" y="9" font-size="11">${escapeHtml(c.label)} AUC ${c.auc === null ? 'n/a' : c.auc.toFixed(3)}</text></g>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.size}" height="${f.size}" role="img" aria-label="ROC curves">${axes(f, 'false positive rate', 'true positive rate')}${lines.join('')}${legend.join('')}</svg>`;
}

/** Reliability diagram: fraction positive against mean predicted probability, dots sized by count. */
export function renderCalibrationSvg(bins: readonly CalibrationBin[], label: string): string {
  const f = frame(420, 40);
  const used = bins.filter((b) => b.count > 0);
  const maxCount = Math.max(1, ...used.map((b) => b.count));
  const pts = used.map((b) => `${f.x(b.meanPredicted).toFixed(1)},${f.y(b.fractionPositive).toFixed(1)}`).join(' ');
  const dots = used.map(
    (b) => `<circle cx="${f.x(b.meanPredicted).toFixed(1)}" cy="${f.y(b.fractionPositive).toFixed(1)}" r="${(3 + 7 * Math.sqrt(b.count / maxCount)).toFixed(1)}" fill="#1f77b4" fill-opacity="0.6"><title>${b.count} slices, predicted ${b.meanPredicted.toFixed(3)}, observed ${b.fractionPositive.toFixed(3)}</title></circle>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.size}" height="${f.size}" role="img" aria-label="calibration">${axes(f, `mean predicted P(${label})`, 'fraction positive')}<polyline points="${pts}" fill="none" stroke="#1f77b4"/>${dots.join('')}</svg>`;
}
