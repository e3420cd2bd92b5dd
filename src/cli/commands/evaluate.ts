/**
 * `ichscan evaluate (--model <dir> --data <dir> | --predictions <csv>) --labels <csv> [--json]
 * [--report out.html] [--bootstrap 1000 --seed 0]`: the competition's metric and friends on labelled
 * data, with cluster-bootstrap 95 % intervals (studies resampled) of the headline numbers.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { getBool, getNumber, getString, requireString } from '../args.js';
import { ichError } from '../../core/errors.js';
import { createProgress } from '../../core/progress.js';
import { HEMORRHAGE_SUBTYPES, SUBTYPES } from '../../core/subtypes.js';
import { readLabelsCsv } from '../../data/labels.js';
import { resolveModelDir, thresholdOf } from '../../model/card/model-card.js';
import { openScorer } from '../../infer/scorer.js';
import { predictImages, type FolderPredictions } from '../../infer/predict-images.js';
import { scoreFolderMasks, type MaskScores } from '../../infer/localise/score-masks.js';
import { planPrediction } from '../../infer/predict.js';
import { imageIdOf } from '../../data/collect-series.js';
import { formatSubmission, readPredictionsCsv, type ImagePredictions } from '../../data/submission.js';
import { computeCurves, computeEvaluation, matchPredictions, type EvaluationReport, type MatchedSet } from '../../infer/evaluate.js';
import { buildExampleSlices } from '../../infer/report-examples.js';
import { bootstrapDifference, type BootstrapIntervals, type BootstrapOptions, type Interval, type PairedDifference, type PairedIntervals } from '../../model/bootstrap-ci.js';
import { renderReportHtml } from '../../infer/report-html.js';
import { ENGINE_FLAGS, SCORING_FLAGS, parseEngineOptions, parseTta } from './infer-flags.js';

function formatText(e: EvaluationReport): string {
  const f = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(4));
  const lines = [
    `weighted log loss ${f(e.weightedLogLoss)} on ${e.n} slices${e.studies !== null ? ` (${e.studies} studies)` : ''}`,
    `${'label'.padEnd(17)} ${'pos'.padStart(5)} ${'logloss'.padStart(8)} ${'AUC'.padStart(7)} ${'studyAUC'.padStart(8)}  sens/spec@${e.threshold}   Youden thr: sens/spec`,
  ];
  for (const s of SUBTYPES) {
    const t = e.atThreshold[s];
    const y = e.atYouden[s];
    lines.push(
      `${s.padEnd(17)} ${String(e.positives[s]).padStart(5)} ${f(e.logLoss[s]).padStart(8)} ${f(e.auc[s]).padStart(7)} ${f(e.studyAuc[s]).padStart(8)}  ${f(t.sensitivity)}/${f(t.specificity)}   ${y ? `${f(y.threshold)}: ${f(y.sensitivity)}/${f(y.specificity)}` : 'n/a'}`,
    );
  }
  if (e.ci95) lines.push(formatIntervals(e.ci95));
  if (e.missingPredictions) lines.push(`${e.missingPredictions} labelled images have no prediction (not scored)`);
  if (e.unlabelledPredictions) lines.push(`${e.unlabelledPredictions} predictions have no label (ignored)`);
  return lines.join('\n');
}

/** One line: the bootstrap's 95 % intervals and what was resampled. */
export function formatIntervals(c: BootstrapIntervals): string {
  const i = (v: Interval | null, d: number): string => (v ? `${v.low.toFixed(d)}–${v.high.toFixed(d)}` : 'n/a');
  return `95 % CI (${c.resamples} resamples of the ${c.units} ${c.unit === 'study' ? 'studies' : 'slices (no studies known: pass --data)'}, seed ${c.seed}): weighted log loss ${i(c.weightedLogLoss, 4)}; AUC(any) ${i(c.aucAny, 3)}; study AUC(any) ${i(c.studyAucAny, 3)}`;
}

/** Lines of the paired comparison: per metric A − B, its interval and how often A was better. */
export function formatComparison(c: PairedIntervals & { against: string }): string {
  const d = (x: PairedDifference | null, digits: number): string =>
    x && x.interval ? `${x.observed >= 0 ? '+' : ''}${x.observed.toFixed(digits)} (95 % CI ${x.interval.low.toFixed(digits)} to ${x.interval.high.toFixed(digits)}; better on ${(100 * x.shareABetter).toFixed(0)} % of resamples)` : 'n/a';
  return [
    `this − ${c.against}, paired over ${c.resamples} resamples of the ${c.units} ${c.unit === 'study' ? 'studies' : 'slices'} (seed ${c.seed}):`,
    `  weighted log loss ${d(c.weightedLogLoss, 4)}`,
    `  AUC(any)          ${d(c.aucAny, 3)}`,
    `  study AUC(any)    ${d(c.studyAucAny, 3)}`,
  ].join('\n');
}

/**
 * The paired bootstrap of these predictions against another set for the same images: every
 * matched image must be in `other` (ICH_E_BAD_LABELS naming the file and the first one missing).
 */
function compareOnSameRows(m: MatchedSet, other: ImagePredictions, file: string, o: BootstrapOptions): PairedIntervals {
  const rowOf = new Map(other.imageIds.map((id, i) => [id, i]));
  const b = new Float32Array(m.pred.length);
  m.imageIds.forEach((id, j) => {
    const i = rowOf.get(id);
    if (i === undefined) throw ichError('ICH_E_BAD_LABELS', `no prediction for image ${id}, which the compared predictions score`, { file });
    b.set(other.probabilities.subarray(i * 6, i * 6 + 6), j * 6);
  });
  return bootstrapDifference(m.pred, b, m.target, m.studyOf ? { unit: 'study', keys: m.studyOf } : { unit: 'slice', keys: m.imageIds }, o);
}

/** One line of localisation figures: pooled Dice per label and the volume error. */
export function formatLocalisation(l: MaskScores): string {
  const d = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));
  return `masks (${l.slices} slices with ground truth): Dice any ${d(l.dice.any)}; ${HEMORRHAGE_SUBTYPES.map((s) => `${s} ${d(l.dice[s])}`).join(', ')}; volume median |Δ| ${l.medianAbsErrorMl === null ? 'n/a' : `${l.medianAbsErrorMl.toFixed(2)} mL (${(l.medianAbsErrorPct ?? 0).toFixed(0)} %)`}`;
}

export const evaluateCommand: Command = {
  spec: {
    name: 'evaluate',
    summary: 'Kaggle weighted log loss, AUC, study AUC, sensitivity/specificity; HTML report',
    usage: 'ichscan evaluate (--model <dir> --data <dir> | --predictions <csv> [--data <dir>]) --labels <csv> [--json] [--report out.html]',
    flags: {
      model: { type: 'string', arg: '<dir|name>', help: 'Model folder to run on --data' },
      data: { type: 'string', arg: '<dir>', help: 'DICOM folder: scored with --model, or (with --predictions) read for studies and example slices' },
      predictions: { type: 'string', arg: '<csv>', help: 'Predictions in the Kaggle submission format instead of running a model' },
      labels: { type: 'string', arg: '<csv>', help: 'Kaggle label CSV (ID,Label; ID_<img>_<subtype>)' },
      threshold: { type: 'number', arg: '<p>', help: "Operating threshold for sensitivity/specificity (default: the model card's, else 0.5)" },
      json: { type: 'boolean', help: 'Print the metrics as JSON (keys: weightedLogLoss, logLoss, auc, studyAuc, n, positives, …)' },
      report: { type: 'string', arg: '<file.html>', help: 'Write a self-contained HTML report (ROC, calibration, table, example slices)' },
      'save-predictions': { type: 'string', arg: '<csv>', help: "With --model: also write the predictions in Kaggle format" },
      force: { type: 'boolean', help: 'Overwrite --report / --save-predictions files' },
      'compare-to': { type: 'string', arg: '<csv>', help: 'Predictions of another model (submission format) for the same images: paired-bootstrap 95 % intervals of this one minus that one' },
      bootstrap: { type: 'number', arg: '<n>', help: 'Resamples of whole studies for 95 % intervals of weighted log loss, AUC(any) and study AUC(any); 0 = none (default 1000)' },
      seed: { type: 'number', arg: '<n>', help: 'Seed of the bootstrap resampling: the same seed gives the same intervals (default 0)' },
      ...SCORING_FLAGS,
      ...ENGINE_FLAGS,
    },
  },
  async run(args, io) {
    const labelsFile = resolve(io.cwd, requireString(args, 'labels'));
    const modelArg = getString(args, 'model');
    const predArg = getString(args, 'predictions');
    const dataArg = getString(args, 'data');
    if ((modelArg === undefined) === (predArg === undefined)) throw ichError('ICH_E_USAGE', 'give either --model with --data, or --predictions');
    if (modelArg !== undefined && dataArg === undefined) throw ichError('ICH_E_USAGE', '--model needs --data <dicom dir>');
    const force = getBool(args, 'force');
    const outputs = [getString(args, 'report'), getString(args, 'save-predictions')].filter((x): x is string => x !== undefined).map((p) => resolve(io.cwd, p));
    for (const o of outputs) if (existsSync(o) && !force) throw ichError('ICH_E_OUTPUT_EXISTS', 'use --force to overwrite', { file: o });
    const quiet = getBool(args, 'quiet');
    const labels = await readLabelsCsv(labelsFile);

    let preds: ImagePredictions;
    let studyOfImage: Map<string, string> | undefined;
    let fileOfImage = new Map<string, string>();
    let threshold = getNumber(args, 'threshold');
    let localisation: MaskScores | undefined;
    let localisedPreds: FolderPredictions | undefined;
    const context: string[] = [`labels: ${labelsFile}`];
    if (modelArg !== undefined) {
      const dir = resolveModelDir(modelArg, io.cwd);
      const scorer = await openScorer(dir, { ...parseEngineOptions(args), onStatus: (l) => io.stderr.write(`${l}\n`) });
      try {
        const progress = createProgress({ label: 'predict', unit: 'slices', stream: io.stderr, silent: quiet });
        const fp = await predictImages(scorer, [dataArg as string], io.cwd, { tta: parseTta(args), localise: true, onPlanned: (n) => progress.setTotal(n), onSlice: () => progress.tick() });
        localisation = scoreFolderMasks(resolve(io.cwd, dataArg as string), fp.localisation);
        localisedPreds = fp;
        progress.finish();
        for (const f of fp.failures) io.stderr.write(`skipped ${f.file}: [${f.code}] ${f.message}\n`);
        preds = fp;
        studyOfImage = fp.studyOfImage;
        fileOfImage = fp.fileOfImage;
        threshold ??= thresholdOf(scorer.card, 'any');
        context.push(`model: ${dir} (${scorer.card.architecture}; ${scorer.engineName})`, `data: ${resolve(io.cwd, dataArg as string)}`);
      } finally {
        await scorer.dispose();
      }
      const save = getString(args, 'save-predictions');
      if (save !== undefined) writeFileSync(resolve(io.cwd, save), formatSubmission(preds));
    } else {
      preds = readPredictionsCsv(resolve(io.cwd, predArg as string));
      context.push(`predictions: ${resolve(io.cwd, predArg as string)}`);
      if (dataArg !== undefined) {
        const plan = planPrediction([dataArg], io.cwd);
        studyOfImage = new Map();
        for (const s of plan.series)
          for (const sl of s.slices) {
            const id = imageIdOf({ file: sl.file, sopInstanceUid: String(sl.meta.sopInstanceUid) });
            studyOfImage.set(id, s.studyInstanceUid);
            fileOfImage.set(id, sl.file);
          }
      }
    }
    const matched = matchPredictions(preds, labels.labels, studyOfImage);
    const resamples = getNumber(args, 'bootstrap') ?? 1000;
    if (!Number.isInteger(resamples) || resamples < 0) throw ichError('ICH_E_USAGE', `--bootstrap must be a whole number ≥ 0, got ${resamples}`);
    const seed = getNumber(args, 'seed') ?? 0;
    // the bootstrap shows progress: over the whole stage_2_train set it takes ~30 s (docs/benchmarks.md)
    const bootProgress = (label: string): BootstrapOptions => {
      const p = createProgress({ label, unit: 'resamples', total: resamples, stream: io.stderr, silent: quiet || matched.imageIds.length < 50_000 });
      let done = 0;
      return {
        resamples,
        seed,
        onResample: () => {
          p.tick();
          if (++done === resamples) p.finish();
        },
      };
    };
    const report = computeEvaluation(matched, threshold ?? 0.5, resamples > 0 ? bootProgress('bootstrap') : undefined);
    const compareArg = getString(args, 'compare-to');
    let comparison: (PairedIntervals & { against: string }) | undefined;
    if (compareArg !== undefined) {
      if (resamples === 0) throw ichError('ICH_E_USAGE', '--compare-to needs --bootstrap > 0');
      const file = resolve(io.cwd, compareArg);
      comparison = { against: file, ...compareOnSameRows(matched, readPredictionsCsv(file), file, bootProgress('paired bootstrap')) };
    }
    if (getBool(args, 'json')) io.stdout.write(`${JSON.stringify({ ...report, ...(localisation ? { localisation: { ...localisation, confusion: undefined } } : {}), ...(comparison ? { comparison } : {}) }, null, 2)}\n`);
    else {
      io.stdout.write(`${formatText(report)}\n`);
      if (localisation) io.stdout.write(`${formatLocalisation(localisation)}\n`);
      if (comparison) io.stdout.write(`${formatComparison(comparison)}\n`);
    }
    const reportFile = getString(args, 'report');
    if (reportFile !== undefined) {
      const examples = await buildExampleSlices(matched, fileOfImage, report.threshold, 2, localisedPreds?.localisation);
      const html = renderReportHtml({ title: 'ichscan evaluation', context, report, curves: computeCurves(matched), examples, ...(localisation ? { localisation } : {}) });
      writeFileSync(resolve(io.cwd, reportFile), html);
      io.stderr.write(`report written to ${resolve(io.cwd, reportFile)}\n`);
    }
    return 0;
  },
};
