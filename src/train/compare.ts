/**
 * The capstone's model-overview table across training runs: model, augmentation, windowing,
 * balancing, loss, epochs, hours, best validation weighted log loss and AUC(any) at that epoch —
 * as Markdown and as an HTML page with loss curves. Reads only run folders (config.json,
 * metrics.jsonl), so it works on finished, stopped and running runs alike.
 */
import { basename } from 'node:path';
import { escapeHtml } from '../core/html.js';
import { readEpochRecords, readRunConfig, type EpochRecord } from './run-dir.js';
import { renderLossCurvesSvg, type LossCurve } from './loss-curves-svg.js';

export interface CompareRow {
  run: string;
  model: string;
  augmentation: string;
  windowing: string;
  balancing: string;
  loss: string;
  /** Epochs with a validation record. */
  epochs: number;
  hours: number;
  bestEpoch: number | null;
  valWeightedLogLoss: number | null;
  aucAny: number | null;
  /** The epoch-weighted average's metric at the last epoch, when the run averaged. */
  averagedLogLoss: number | null;
  records: EpochRecord[];
}

/** One row per run folder (throws ICH_E_FILE_NOT_FOUND for a folder without config.json). */
export function readCompareRow(dir: string): CompareRow {
  const c = readRunConfig(dir);
  const records = readEpochRecords(dir);
  let best: EpochRecord | undefined;
  for (const r of records) if (r.val.weightedLogLoss !== null && (!best || r.val.weightedLogLoss < best.val.weightedLogLoss)) best = r;
  const last = records.at(-1);
  return {
    run: basename(dir),
    model: c.model,
    augmentation: c.augment,
    windowing: `${c.windows}${c.context === 1 ? ' +2.5D' : ''} @${c.size}`,
    balancing: c.sampling,
    loss: c.loss,
    epochs: records.length,
    hours: (last?.seconds ?? 0) / 3600,
    bestEpoch: best ? best.epoch + 1 : null,
    valWeightedLogLoss: best?.val.weightedLogLoss ?? null,
    aucAny: best?.val.auc.any ?? null,
    averagedLogLoss: last?.valAveraged?.weightedLogLoss ?? null,
    records,
  };
}

const HEADERS = ['run', 'model', 'augmentation', 'windowing', 'balancing', 'loss', 'epochs', 'hours', 'best epoch', 'val weighted log loss', 'AUC any', 'averaged log loss'];

function cells(r: CompareRow): string[] {
  const f = (v: number | null, d: number): string => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(d));
  return [r.run, r.model, r.augmentation, r.windowing, r.balancing, r.loss, String(r.epochs), f(r.hours, 2), r.bestEpoch === null ? '–' : String(r.bestEpoch), f(r.valWeightedLogLoss, 4), f(r.aucAny, 3), f(r.averagedLogLoss, 4)];
}

/** Rows sorted best first (lowest validation loss; runs without one last). */
export function sortRows(rows: readonly CompareRow[]): CompareRow[] {
  return [...rows].sort((a, b) => (a.valWeightedLogLoss ?? Infinity) - (b.valWeightedLogLoss ?? Infinity));
}

export function renderCompareMarkdown(rows: readonly CompareRow[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${cells(r).map(esc).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

export function renderCompareHtml(rows: readonly CompareRow[]): string {
  const curves: LossCurve[] = rows.map((r) => ({
    label: r.run,
    train: r.records.map((e) => (Number.isFinite(e.trainLoss) ? e.trainLoss : null)),
    val: r.records.map((e) => e.val.weightedLogLoss ?? null),
  }));
  const head = HEADERS.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${cells(r).map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ichscan: training runs compared</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f3f3f3}</style>
</head><body>
<h1>Training runs compared</h1>
<p>Validation metrics are on each run's held-out fold (patient-grouped); "best epoch" is the epoch with the lowest validation weighted log loss (Kaggle's metric), AUC any at that epoch. Runs on different folds or data are not directly comparable.</p>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
<h2>Loss curves</h2>
${renderLossCurvesSvg(curves)}
</body></html>
`;
}
