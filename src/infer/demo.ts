/**
 * The demo (README's first command): generate a small synthetic study set with known
 * hemorrhages, predict every study with the default model, evaluate against the synthetic labels
 * and write the HTML report. Everything lands in one output folder; nothing needs ../shared.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ichError } from '../core/errors.js';
import { createProgress } from '../core/progress.js';
import { readLabelsCsv } from '../data/labels.js';
import { generateSynthDataset } from '../synth/index.js';
import { computeCurves, computeEvaluation, matchPredictions, type EvaluationReport } from './evaluate.js';
import { studyThresholdOf, thresholdOf } from '../model/card/model-card.js';
import { predictImages } from './predict-images.js';
import { buildExampleSlices } from './report-examples.js';
import { renderReportHtml } from './report-html.js';
import { openScorer, type OpenScorerOptions } from './scorer.js';
import { formatSubmission } from '../data/submission.js';
import { scoreFolderMasks, type MaskScores } from './localise/score-masks.js';
import { renderKeyOverlays } from './localise/write-outputs.js';
import { encodePng } from '../preprocess/index.js';

export interface DemoOptions {
  out: string;
  modelDir: string;
  studies: number;
  slicesPerStudy: [number, number];
  seed: number;
  force: boolean;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  scorer?: OpenScorerOptions;
}

export interface DemoStudyLine {
  study: string;
  truth: string;
  verdict: string;
  /** Study score: max over the study's slices of P(any). */
  anyProbability: number;
  /** Predicted bleed volume (mL) and the synthetic ground truth's. */
  volumeMl: number | null;
  trueVolumeMl: number | null;
}

export interface DemoResult {
  report: EvaluationReport;
  studies: DemoStudyLine[];
  /** Threshold on the study score used for the verdicts. */
  studyThreshold: number;
  reportFile: string;
  /** Key-image overlays of the flagged studies. */
  overlaysDir: string;
  localisation?: MaskScores;
  seconds: number;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  if (existsSync(o.out) && readdirSync(o.out).length > 0 && !o.force) throw ichError('ICH_E_OUTPUT_EXISTS', 'demo output folder is not empty (use --force)', { file: o.out });
  mkdirSync(o.out, { recursive: true });
  const synthDir = join(o.out, 'synth');
  const total = o.studies * o.slicesPerStudy[1];
  const sp = createProgress({ label: 'demo 1/3 synth', total, unit: 'slices', stream: o.stream });
  let last = 0;
  const onProgress = (done: number, all: number): void => {
    sp.setTotal(all);
    sp.tick(done - last);
    last = done;
  };
  await generateSynthDataset({ studies: o.studies, slicesPerStudy: o.slicesPerStudy, size: 512, seed: o.seed, prevalence: 0.5, out: synthDir, force: true, onProgress });
  sp.finish();
  const scorer = await openScorer(o.modelDir, { ...o.scorer, onStatus: (l) => o.stream.write(`${l}\n`) });
  try {
    const pp = createProgress({ label: 'demo 2/3 predict', unit: 'slices', stream: o.stream });
    const overlaysDir = join(o.out, 'overlays');
    mkdirSync(overlaysDir, { recursive: true });
    const preds = await predictImages(scorer, [join(synthDir, 'images')], process.cwd(), {
      localise: true,
      onPlanned: (n) => pp.setTotal(n),
      onSlice: () => pp.tick(),
      // each flagged study's key images, as `predict --overlays` writes them
      onStudyLocalised: async (study, top) => {
        if (!study.verdict.positive) return;
        for (const ov of await renderKeyOverlays(study, top, 'ichscan default model')) writeFileSync(join(overlaysDir, `${ov.imageId}.png`), encodePng(ov.rgb));
      },
    });
    pp.finish();
    writeFileSync(join(o.out, 'predictions.csv'), formatSubmission(preds));
    o.stream.write('demo 3/3 evaluate and report\n');
    const labels = await readLabelsCsv(join(synthDir, 'labels.csv'));
    const matched = matchPredictions(preds, labels.labels, preds.studyOfImage);
    const threshold = thresholdOf(scorer.card, 'any');
    // 8 studies say little: the intervals (studies resampled) say how little
    const report = computeEvaluation(matched, threshold, { resamples: 1000, seed: o.seed });
    const examples = await buildExampleSlices(matched, preds.fileOfImage, threshold, 2, preds.localisation);
    const localisation = scoreFolderMasks(synthDir, preds.localisation);
    const reportFile = join(o.out, 'report.html');
    const context = [
      `ichscan demo: ${o.studies} synthetic studies (seed ${o.seed}), model ${scorer.card.architecture} (${o.modelDir}).`,
      'Synthetic data are drawn by ichscan synth, so these numbers say the pipeline works end to end, not how the model does on real CT.',
    ];
    writeFileSync(reportFile, renderReportHtml({ title: 'ichscan demo', context, report, curves: computeCurves(matched), examples, ...(localisation ? { localisation } : {}) }));
    // study truth: a study is positive when any of its slices is
    const truthOf = new Map<string, boolean>();
    matched.imageIds.forEach((id, i) => {
      const s = preds.studyOfImage.get(id) as string;
      truthOf.set(s, (truthOf.get(s) ?? false) || (matched.target[i * 6 + 5] as number) > 0.5);
    });
    const perStudy = new Map<string, number>();
    matched.imageIds.forEach((id, i) => {
      const s = preds.studyOfImage.get(id) as string;
      perStudy.set(s, Math.max(perStudy.get(s) ?? 0, matched.pred[i * 6 + 5] as number));
    });
    // the study verdict uses the study-level threshold, as predict's computeVerdict does
    const studyThreshold = studyThresholdOf(scorer.card);
    const trueMl = new Map((localisation?.studies ?? []).map((s) => [s.studyInstanceUid, s.trueMl]));
    const studies = [...perStudy.entries()].map(([study, p]) => ({
      study,
      truth: truthOf.get(study) ? 'bleed' : 'no bleed',
      verdict: p >= studyThreshold ? 'HEMORRHAGE LIKELY' : 'no hemorrhage found',
      anyProbability: p,
      volumeMl: preds.localisation?.volumeOf.get(study)?.total ?? null,
      trueVolumeMl: trueMl.get(study) ?? null,
    }));
    return { report, studies, studyThreshold, reportFile, overlaysDir, ...(localisation ? { localisation } : {}), seconds: (performance.now() - t0) / 1000 };
  } finally {
    await scorer.dispose();
  }
}
