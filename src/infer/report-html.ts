/**
 * The evaluation report: one self-contained HTML file (inline SVG plots, example slices as PNG
 * data URIs, no scripts, no external assets): summary numbers, a per-label table, ROC curves,
 * the calibration of P(any), and example slices with their scores and labels.
 */
import { SUBTYPES } from '../core/subtypes.js';
import type { EvaluationCurves, EvaluationReport } from './evaluate.js';
import { escapeHtml } from '../core/html.js';
import { renderCalibrationSvg, renderRocSvg } from './svg-plots.js';
import type { MaskScores } from './localise/score-masks.js';
import type { Interval } from '../model/bootstrap-ci.js';

export interface ExampleSlice {
  imageId: string;
  /** Why it was chosen, e.g. "true positive". */
  kind: string;
  /** `data:image/png;base64,…` of the brain-window rendering. */
  pngDataUri: string;
  probabilities: Record<string, number>;
  labels: Record<string, number>;
}

export interface ReportInput {
  title: string;
  /** Lines describing the model and data (shown under the title). */
  context: string[];
  report: EvaluationReport;
  curves: EvaluationCurves;
  examples: ExampleSlice[];
  /** Localisation against ground-truth masks (synthetic data), when there are any. */
  localisation?: MaskScores;
}

function renderLocalisation(l: MaskScores): string {
  const cells = (['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'] as const).map((s) => `<tr><td>${s}</td><td>${fmt(l.dice[s])}</td></tr>`).join('');
  const vols = l.studies
    .filter((s) => s.trueMl > 0 || s.predictedMl > 0)
    .map((s) => `<tr><td>${escapeHtml(s.studyInstanceUid.slice(-12))}</td><td>${fmt(s.trueMl, 2)}</td><td>${fmt(s.predictedMl, 2)}</td></tr>`)
    .join('');
  return `<h2>Where and how much</h2>
<p>Predicted bleed masks against the ground-truth masks of ${l.slices} slices: pooled Dice per label; bleed volume per study (median |Δ| ${fmt(l.medianAbsErrorMl, 2)} mL, ${fmt(l.medianAbsErrorPct, 0)} % over studies with blood).</p>
<div class="plots"><table><tr><th>label</th><th>Dice</th></tr>${cells}</table>
<table><tr><th>study (UID tail)</th><th>true mL</th><th>predicted mL</th></tr>${vols}</table></div>`;
}

const fmt = (x: number | null | undefined, d = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const interval = (v: Interval | null, d = 3): string => (v ? `${fmt(v.low, d)}–${fmt(v.high, d)}` : 'n/a');

export function renderReportHtml(r: ReportInput): string {
  const e = r.report;
  const rows = SUBTYPES.map((s) => {
    const t = e.atThreshold[s];
    const y = e.atYouden[s];
    return `<tr><td>${s}</td><td>${e.positives[s]}</td><td>${fmt(e.logLoss[s], 4)}</td><td>${fmt(e.auc[s])}</td><td>${fmt(e.studyAuc[s])}</td><td>${fmt(t.sensitivity)} / ${fmt(t.specificity)}</td><td>${y ? `${fmt(y.threshold)}: ${fmt(y.sensitivity)} / ${fmt(y.specificity)}` : 'n/a'}</td></tr>`;
  }).join('\n');
  const roc = renderRocSvg(
    SUBTYPES.flatMap((s) => {
      const c = r.curves.roc[s];
      return c ? [{ label: s, fpr: c.fpr, tpr: c.tpr, auc: e.auc[s] }] : [];
    }),
  );
  const examples = r.examples
    .map(
      (x) => `<figure><img src="${x.pngDataUri}" width="256" alt="${escapeHtml(x.imageId)}"><figcaption><b>${escapeHtml(x.kind)}</b><br>${escapeHtml(x.imageId)}<br>${SUBTYPES.map((s) => `${s.slice(0, 5)} ${fmt(x.probabilities[s], 2)}${x.labels[s] ? '★' : ''}`).join('<br>')}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(r.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}
.plots{display:flex;flex-wrap:wrap;gap:2em}figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top;font-size:12px}img{image-rendering:pixelated;background:#000}.warn{color:#a00}</style></head>
<body>
<h1>${escapeHtml(r.title)}</h1>
${r.context.map((c) => `<p>${escapeHtml(c)}</p>`).join('\n')}
<p class="warn">Research demonstration, not a clinical device.</p>
<h2>Summary</h2>
<p>Weighted log loss (Kaggle RSNA 2019 metric): <b>${fmt(e.weightedLogLoss, 4)}</b> on ${e.n} slices${e.studies !== null ? ` from ${e.studies} studies` : ''}. AUC(any) ${fmt(e.auc.any)}, study-level AUC(any) ${fmt(e.studyAuc.any)}.
${e.ci95 ? `<br>95 % intervals (${e.ci95.resamples} bootstrap resamples of the ${e.ci95.units} ${e.ci95.unit === 'study' ? 'studies' : 'slices'}): weighted log loss ${interval(e.ci95.weightedLogLoss, 4)}, AUC(any) ${interval(e.ci95.aucAny)}, study AUC(any) ${interval(e.ci95.studyAucAny)}.<br>` : ''}${e.missingPredictions ? `${e.missingPredictions} labelled images had no prediction. ` : ''}${e.unlabelledPredictions ? `${e.unlabelledPredictions} predictions had no label.` : ''}</p>
<h2>Per label</h2>
<table><tr><th>label</th><th>positives</th><th>log loss</th><th>AUC</th><th>study AUC</th><th>sens / spec at ${fmt(e.threshold, 2)}</th><th>Youden threshold: sens / spec</th></tr>
${rows}
</table>
<h2>Curves</h2>
<div class="plots"><div><h3>ROC</h3>${roc}</div><div><h3>Calibration of P(any)</h3>${renderCalibrationSvg(r.curves.calibration, 'any')}</div></div>
${r.localisation ? renderLocalisation(r.localisation) : ''}
<h2>Example slices</h2>
<p>Brain window (L40 W80)${r.examples.length && r.localisation ? ', the predicted bleed outlined per subtype' : ''}; ★ marks a true label.</p>
${examples || '<p>No slice images available (predictions were read from a CSV without --data).</p>'}
</body></html>
`;
}
