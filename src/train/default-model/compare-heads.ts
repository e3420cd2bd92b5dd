/**
 * Compares the default model's logistic head with the study head (study-conv) on the same
 * embeddings: patient-grouped CV on rsna-dev (per-fold slice AUC(any), study AUC, weighted log
 * loss vs the constant prior; pooled out-of-fold figures), then each head fitted on everything
 * and measured on held-out synthetic studies (`--heldout`: the selection set that also sets the
 * study threshold; `--final`: a set used for nothing else). Prints a markdown table and writes
 * the figures as JSON (`--json`).
 *
 * Run: node dist/src/train/default-model/compare-heads.js --rsna ../shared/data/rsna-dev \
 *        --synth <head101> --synth <head808> --heldout <heldout505> --final <final9091> \
 *        --blood-map models/default/blood.onnx [--json cmp.json] [--embed-only]
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WINDOW_STACKS } from '../../core/windows.js';
import { BLEEDSEG_STRIDE } from '../../model/architectures/bleedseg.js';
import { initBackend } from '../../model/engine/index.js';
import { column, rocAuc, weightedLogLoss, youdenThreshold } from '../../model/metrics.js';
import { createOnnxEngine } from '../../model/onnx/runner.js';
import { concatFloat32 } from '../../core/tensor.js';
import type { EmbeddedSeries } from './embed-dataset.js';
import { unpackRsnaDev, embedHuCached } from './embed-cached.js';
import { crossValidateHeads, expandVariants, logisticTrainer, studyTrainer, type HeadTrainer } from './head-cv.js';
import { STUDY_HEAD_DEFAULTS } from './study-head.js';
import { crossCalibrate } from './calibrate.js';
import { chooseStudyThreshold, computeStudyScores, type StudyScores } from './study-threshold.js';

interface SetFigures {
  slices: number;
  studies: number;
  positiveStudies: number;
  aucAny: number;
  studyAucAny: number;
  weightedLogLoss: number;
  studyScores: StudyScores;
}

function measure(pred: Float32Array, series: readonly EmbeddedSeries[]): SetFigures {
  const y = concatFloat32(series.map((s) => s.labels));
  const sOf = series.flatMap((s) => s.imageIds.map(() => s.seriesInstanceUid));
  const anyP = column(pred, 5);
  const anyY = column(y, 5);
  const studyScores = computeStudyScores(anyP, anyY, sOf);
  return {
    slices: sOf.length,
    studies: studyScores.scores.length,
    positiveStudies: studyScores.labels.reduce((a, b) => a + b, 0),
    aucAny: rocAuc(anyP, anyY),
    studyAucAny: rocAuc(studyScores.scores, studyScores.labels),
    weightedLogLoss: weightedLogLoss(pred, y),
    studyScores,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rsna: { type: 'string' },
      synth: { type: 'string', multiple: true },
      heldout: { type: 'string', multiple: true },
      final: { type: 'string', multiple: true },
      'blood-map': { type: 'string' },
      cache: { type: 'string', default: '.cache/default-model' },
      folds: { type: 'string', default: '5' },
      variants: { type: 'string', default: '3' },
      'synth-weight': { type: 'string', default: '0.5' },
      'study-steps': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.steps) },
      'study-hidden': { type: 'string', default: STUDY_HEAD_DEFAULTS.hidden.join(',') },
      'study-kernel': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.kernel) },
      'study-lr': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.lr) },
      'study-l2': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.l2) },
      'study-dropout': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.dropout) },
      'study-input-dropout': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.inputDropout) },
      'study-linear-kernel': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.linearKernel) },
      'study-linear-l2': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.linearL2) },
      'study-ensemble': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.ensemble) },
      'study-crop': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.cropProbability) },
      'study-seed': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.seed) },
      'study-series': { type: 'string', default: String(STUDY_HEAD_DEFAULTS.seriesPerStep) },
      heads: { type: 'string', default: 'logistic,study-conv' },
      json: { type: 'string' },
      'embed-only': { type: 'boolean', default: false },
    },
  });
  if (!values.rsna) throw new Error('--rsna <shared/data/rsna-dev> is required');
  await initBackend('wasm');
  const rsna = resolve(values.rsna);
  const cacheDir = resolve(values.cache);
  const rsnaImages = unpackRsnaDev(rsna, cacheDir);
  const bloodFile = values['blood-map'] ? resolve(values['blood-map']) : undefined;
  const blood = bloodFile ? { engine: await createOnnxEngine(bloodFile, { provider: 'cpu' }), stride: BLEEDSEG_STRIDE } : undefined;
  const variants = Number(values.variants);
  const base = { size: 256, windows: [...(WINDOW_STACKS['bss'] ?? [])], seed: 2019, blood, bloodFile };
  const real = await embedHuCached(cacheDir, 'rsna-dev', rsnaImages, join(rsna, 'labels.csv'), { ...base, variants });
  const embedSets = async (dirs: string[] | undefined, prefix: string): Promise<EmbeddedSeries[]> => {
    const out: EmbeddedSeries[] = [];
    for (const dir of dirs ?? []) out.push(...(await embedHuCached(cacheDir, `${prefix}-${resolve(dir).split('/').pop() ?? 'x'}`, join(dir, 'images'), join(dir, 'labels.csv'), { ...base, variants: 1 })).series);
    return out;
  };
  const extra = await embedSets(values.synth, 'synth');
  const heldout = await embedSets(values.heldout, 'heldout');
  const final = await embedSets(values.final, 'final');
  await blood?.engine.dispose();
  if (values['embed-only']) return;
  const F = real.features;
  const study = {
    hidden: values['study-hidden'].split(',').map(Number),
    kernel: Number(values['study-kernel']),
    ensemble: Number(values['study-ensemble']),
    steps: Number(values['study-steps']),
    lr: Number(values['study-lr']),
    seriesPerStep: Number(values['study-series']),
    l2: Number(values['study-l2']),
    linearKernel: Number(values['study-linear-kernel']),
    linearL2: Number(values['study-linear-l2']),
    inputDropout: Number(values['study-input-dropout']),
    dropout: Number(values['study-dropout']),
    cropProbability: Number(values['study-crop']),
    seed: Number(values['study-seed']),
  };
  const all: HeadTrainer[] = [logisticTrainer(F, 1, { l2: 1, steps: 300, lr: 0.05 }), studyTrainer(F, study)];
  const trainers = all.filter((t) => values.heads.split(',').includes(t.name));
  const k = Number(values.folds);
  const extraWeight = Number(values['synth-weight']);
  const t0 = Date.now();
  const cvs = crossValidateHeads(real.series, extra, k, trainers, {
    variants,
    extraWeight,
    onFold: (h, f) => process.stderr.write(`${h} fold ${f.fold}: ${f.slices} slices (${f.positives} any+), AUC(any) ${f.aucAny.toFixed(3)}, study AUC ${f.studyAucAny.toFixed(3)}, wLL ${f.weightedLogLoss.toFixed(4)} (prior ${f.priorWeightedLogLoss.toFixed(4)}) ${((Date.now() - t0) / 1000).toFixed(0)} s\n`),
  });
  const mean = (xs: number[]): number => {
    const v = xs.filter(Number.isFinite);
    return v.reduce((a, b) => a + b, 0) / v.length;
  };
  const idx = Array.from({ length: variants }, (_, v) => v);
  const train = [...expandVariants(real.series, idx, 1), ...expandVariants(extra, [0], extraWeight)];
  const report = trainers.map((trainer, i) => {
    const cv = cvs[i] as (typeof cvs)[number];
    const oofAny = column(cv.oof.pred, 5);
    const oofY = column(cv.oof.target, 5);
    const oofStudies = computeStudyScores(oofAny, oofY, cv.oof.seriesOf);
    const predictor = trainer.fit(train);
    const predictSet = (ss: readonly EmbeddedSeries[]): Float32Array => concatFloat32(ss.map((s) => predictor.predict(s.variants[0] as Float32Array, s.imageIds.length)));
    const h = heldout.length ? measure(predictSet(heldout), heldout) : undefined;
    const fin = final.length ? measure(predictSet(final), final) : undefined;
    predictor.dispose();
    const threshold = chooseStudyThreshold(h ? [oofStudies, h.studyScores] : [oofStudies]);
    const strip = (m: SetFigures | undefined): Omit<SetFigures, 'studyScores'> | undefined => (m ? { slices: m.slices, studies: m.studies, positiveStudies: m.positiveStudies, aucAny: m.aucAny, studyAucAny: m.studyAucAny, weightedLogLoss: m.weightedLogLoss } : undefined);
    return {
      head: trainer.name,
      perFold: cv.folds.map((f) => ({ fold: f.fold, slices: f.slices, positives: f.positives, aucAny: f.aucAny, studyAucAny: f.studyAucAny, weightedLogLoss: f.weightedLogLoss, priorWeightedLogLoss: f.priorWeightedLogLoss })),
      meanFoldAucAny: mean(cv.folds.map((f) => f.aucAny)),
      meanFoldStudyAucAny: mean(cv.folds.map((f) => f.studyAucAny)),
      meanFoldWeightedLogLoss: mean(cv.folds.map((f) => f.weightedLogLoss)),
      meanFoldPriorWeightedLogLoss: mean(cv.folds.map((f) => f.priorWeightedLogLoss)),
      pooledOofAucAny: rocAuc(oofAny, oofY),
      pooledOofStudyAucAny: rocAuc(oofStudies.scores, oofStudies.labels),
      pooledOofWeightedLogLoss: weightedLogLoss(cv.oof.pred, cv.oof.target),
      calibration: crossCalibrate(cv),
      sliceYouden: youdenThreshold(oofAny, oofY),
      studyThreshold: threshold,
      heldout: strip(h),
      final: strip(fin),
    };
  });
  const f3 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
  process.stdout.write(`| head | CV AUC(any) per fold | mean | study AUC per fold | mean | pooled OOF study AUC | mean wLL | Platt-calibrated (leave-fold-out) | prior | held-out slice / study AUC | final slice / study AUC |\n|---|---|---|---|---|---|---|---|---|---|---|\n`);
  for (const r of report) {
    process.stdout.write(
      `| ${r.head} | ${r.perFold.map((f) => f3(f.aucAny)).join(' ')} | ${f3(r.meanFoldAucAny)} | ${r.perFold.map((f) => f3(f.studyAucAny)).join(' ')} | ${f3(r.meanFoldStudyAucAny)} | ${f3(r.pooledOofStudyAucAny)} | ${r.meanFoldWeightedLogLoss.toFixed(4)} | ${r.calibration.meanFoldCalibratedWeightedLogLoss.toFixed(4)} | ${r.meanFoldPriorWeightedLogLoss.toFixed(4)} | ${f3(r.heldout?.aucAny)} / ${f3(r.heldout?.studyAucAny)} | ${f3(r.final?.aucAny)} / ${f3(r.final?.studyAucAny)} |\n`,
    );
  }
  if (values.json) writeFileSync(resolve(values.json), `${JSON.stringify({ study, extraWeight, variants, report }, null, 2)}\n`);
}

await main();
