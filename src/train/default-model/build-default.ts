/**
 * Builds the shipped default model (`models/default`): per-slice features — 20 intracranial HU
 * density features, optionally beside a trunk network's outputs (an ONNX file shipped in the
 * folder, e.g. an ichnet trained on synthetic studies by `ichscan train` + `ichscan export`, or
 * nsfwjs' InceptionV3 derived at first run) — and a head: `--head logistic` (per slice, on the
 * features of slices s−1, s, s+1) or `--head study-conv` (the shipped one: a 1-D conv over the whole
 * series in z, study-head.ts). Trained on all of rsna-dev (real, 518 slices) plus synthetic
 * studies when given, with per-series HU offset/scale jitter and flips as augmentation; reports a
 * patient-grouped k-fold CV on rsna-dev (the only real labels here) into the model card.
 *
 * Run: node dist/src/train/default-model/build-default.js --rsna ../shared/data/rsna-dev
 *        [--synth <synth dir with images/ and labels.csv>]... [--heldout <synth dir>]...
 *        [--trunk-file <model.onnx> --trunk-features 6] [--blood-map <blood.onnx>] [--head logistic|study-conv]
 *        [--localiser <model folder> --blood-map-fold <seg-f0.onnx> … (one per fold)] [--out models/default] [--force]
 * `--localiser` carries that folder's localiser (seg.onnx) into the new one and adds its `any` channel as a
 * second blood map (trunk.secondBloodMap); `--blood-map-fold` gives, per CV fold, a localiser trained
 * without that fold's patients, whose maps the rsna-dev rows get (oof-blood-map.ts). `--blood-map-kind
 * localiser` reads a localiser file given as the (only) `--blood-map`, for experiments.
 * `--insert <dir>` (with `--blood-map-fold`): lesions inserted into rsna-dev's clean slices (`ichscan synth
 * --insert-into`) join the head's training at `--insert-weight`, each patient's in the training folds
 * only when that patient is, its second map from the localiser of the patient's fold.
 * `--heldout` synthetic studies never train the head: they measure synthetic detection and, with
 * the out-of-fold rsna-dev studies, choose the study verdict's threshold.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createProgress } from '../../core/progress.js';
import { concatFloat32 } from '../../core/tensor.js';
import { SUBTYPES, type Subtype } from '../../core/subtypes.js';
import { WINDOW_STACKS, type WindowPreset } from '../../core/windows.js';
import { createOnnxEngine } from '../../model/onnx/runner.js';
import { rocAuc, column, youdenThreshold, weightedLogLoss } from '../../model/metrics.js';
import { countHuRowFeatures, SECOND_MAP_ROW_FEATURES } from '../../model/features/hu-features.js';
import { ensureDerivedTrunk, trunkFeatureCount, type TrunkRecipe } from '../../model/onnx/derive-trunk.js';
import { MODEL_FORMAT, type ModelCard } from '../../model/card/model-card.js';
import { writeModelFolder } from '../../model/card/model-folder.js';
import { initBackend } from '../../model/engine/index.js';
import { formatSubmission } from '../../data/submission.js';
import { embedLabelledFolder, huEmbedder, joinEmbeddings, readEmbeddingCache, trunkEmbedder, writeEmbeddingCache, readSynthManifest, openBloodMap, joinSecondMap, describeBloodMap, type BloodMapEngine, type EmbeddedDataset } from './embed-dataset.js';
import { unpackRsnaDev, embedHuCached } from './embed-cached.js';
import { describeFoldLocalisers, embedSecondMapOutOfFold } from './oof-blood-map.js';
import { assignFolds } from './cross-validate.js';
import { LOCALISER_FILE, LOCALISER_FP32_FILE, readLocaliserFolder, withLocaliser } from './add-localiser.js';
import { crossValidateHeads, expandVariants, logisticTrainer, studyTrainer } from './head-cv.js';
import { STUDY_HEAD_DEFAULTS, type StudyHeadOptions } from './study-head.js';
import type { HuRegion } from '../../model/features/cavity.js';
import { chooseStudyThreshold, computeStudyScores } from './study-threshold.js';

/**
 * Everything a build is set to, in one typed object made from the command line (no module
 * globals): sizes and windows fixed for the shipped family, the rest from flags.
 */
export interface DefaultModelConfig {
  size: number;
  windows: WindowPreset[];
  /** Seed of the augmentation variants (same seed → same jitter draws). */
  seed: number;
  head: { l2: number; steps: number; lr: number };
  /** Slices s−context … s+context feed the head. */
  context: number;
  /** Augmented variants per rsna-dev series (1 = the slices as they are). */
  variants: number;
  recipe: TrunkRecipe;
  /** Cache key of the trunk: the recipe, or `file-<sha1>` of a trunk ONNX file. */
  trunkKey: string;
  trunkFeatures: number;
  /** Row weight of synthetic slices in the head's loss (rsna-dev rows weigh 1 per variant). */
  extraWeight: number;
  /** The blood segmenter whose map features join the HU features (`--blood-map <blood.onnx>`), if any. */
  blood: BloodMapEngine | undefined;
  /** `logistic` (per slice over s−context … s+context) or `study-conv` (the whole series in z, study-head.ts; context 0). */
  headKind: 'logistic' | 'study-conv';
  study: StudyHeadOptions;
  /** The pixels the HU and blood-map features read (`--hu-region`; cavity.ts). */
  huRegion: HuRegion;
}

const FIXED = { size: 256, windows: [...(WINDOW_STACKS['bss'] ?? [])], seed: 2019 };
const HEAD_DEFAULTS = { l2: 1, steps: 300, lr: 0.05 };

// Which configurations were compared before this one, and why it was chosen: docs/model-card.md.

async function embedCached(c: DefaultModelConfig, trunkFile: string, name: string, images: string, labels: string, cacheDir: string, variants: number): Promise<EmbeddedDataset> {
  const options = { trunk: c.trunkKey, size: c.size, windows: c.windows.map((w) => w.name), variants, seed: c.seed, images: resolve(images) };
  const prefix = join(cacheDir, `${name}-${c.trunkKey}-v${variants}`);
  const hit = readEmbeddingCache(prefix, options);
  if (hit) return hit;
  const trunk = await createOnnxEngine(trunkFile, { provider: 'cpu' });
  const progress = createProgress({ label: `embed ${name} (${variants} variants)`, unit: 'slices' });
  const { dataset, failures } = await embedLabelledFolder(trunkEmbedder(trunk, c.trunkFeatures, 8, () => progress.tick()), images, labels, {
    name,
    size: c.size,
    windows: c.windows,
    variants,
    seed: c.seed,
  });
  progress.finish();
  await trunk.dispose();
  if (failures) process.stderr.write(`${name}: ${failures} unreadable files skipped\n`);
  writeEmbeddingCache(prefix, dataset, options);
  return dataset;
}

/** HU features of the same slices and variants (same seed → same jitter draws), joined to `emb`. */
async function withHuFeatures(c: DefaultModelConfig, emb: EmbeddedDataset, images: string, labels: string, variants: number): Promise<EmbeddedDataset> {
  const { dataset } = await embedLabelledFolder(huEmbedder(c.windows, c.blood, c.huRegion), images, labels, { name: `${emb.name}-hu`, size: c.size, windows: c.windows, variants, seed: c.seed });
  return joinEmbeddings(emb, dataset);
}

function countCoverage(ds: EmbeddedDataset): Record<Subtype, number> {
  const c = Object.fromEntries(SUBTYPES.map((s) => [s, 0])) as Record<Subtype, number>;
  for (const s of ds.series) for (let i = 0; i < s.imageIds.length; i++) SUBTYPES.forEach((t, k) => (c[t] += s.labels[i * 6 + k] as number));
  return c;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rsna: { type: 'string' },
      synth: { type: 'string', multiple: true },
      out: { type: 'string', default: 'models/default' },
      cache: { type: 'string', default: '.cache/default-model' },
      folds: { type: 'string', default: '5' },
      force: { type: 'boolean', default: false },
      trunk: { type: 'string', default: 'none' },
      'trunk-file': { type: 'string' },
      'trunk-features': { type: 'string', default: '6' },
      heldout: { type: 'string', multiple: true },
      context: { type: 'string', default: '1' },
      variants: { type: 'string', default: '3' },
      'cv-only': { type: 'boolean', default: false },
      oof: { type: 'string' },
      l2: { type: 'string', default: String(HEAD_DEFAULTS.l2) },
      'synth-variants': { type: 'string', default: '1' },
      'hu-features': { type: 'boolean', default: true },
      steps: { type: 'string', default: String(HEAD_DEFAULTS.steps) },
      lr: { type: 'string', default: String(HEAD_DEFAULTS.lr) },
      'blood-map': { type: 'string' },
      'blood-map-kind': { type: 'string', default: 'bleedseg' },
      localiser: { type: 'string' },
      'blood-map-fold': { type: 'string', multiple: true },
      'synth-weight': { type: 'string', default: '0.5' },
      insert: { type: 'string', multiple: true },
      'insert-weight': { type: 'string', default: '0.5' },
      head: { type: 'string', default: 'logistic' },
      'hu-region': { type: 'string', default: 'frame' },
    },
  });
  const recipe = (values.trunk === 'none' ? 'nsfwjs-inceptionv3-gap' : values.trunk) as TrunkRecipe;
  const fileTrunk = values['trunk-file'] ? resolve(values['trunk-file']) : undefined;
  // --localiser <folder>: that folder's localiser (seg.onnx) moves into the new folder, and its `any` channel is a second blood map
  const fromLoc = values.localiser ? readLocaliserFolder(resolve(values.localiser)) : undefined;
  const bloodFile = values['blood-map'] ? resolve(values['blood-map']) : undefined;
  if (fromLoc && !bloodFile) throw new Error('--localiser adds a second blood map: it needs --blood-map');
  const SECOND = fromLoc ? await openBloodMap(fromLoc.file, 'localiser') : undefined;
  const c: DefaultModelConfig = {
    ...FIXED,
    head: { l2: Number(values.l2), steps: Number(values.steps), lr: Number(values.lr) },
    context: Number(values.context),
    variants: Number(values.variants),
    recipe,
    trunkKey: fileTrunk ? `file-${createHash('sha1').update(readFileSync(fileTrunk)).digest('hex').slice(0, 12)}` : recipe,
    trunkFeatures: fileTrunk ? Number(values['trunk-features']) : values.trunk === 'none' ? 0 : trunkFeatureCount(recipe),
    extraWeight: Number(values['synth-weight']),
    blood: bloodFile ? await openBloodMap(bloodFile, values['blood-map-kind']) : undefined,
    headKind: values.head === 'study-conv' ? 'study-conv' : 'logistic',
    study: STUDY_HEAD_DEFAULTS,
    huRegion: values['hu-region'] === 'cavity' ? 'cavity' : 'frame',
  };
  if (values['hu-region'] !== 'cavity' && values['hu-region'] !== 'frame') throw new Error('--hu-region is cavity or frame');
  if (values.head !== 'logistic' && values.head !== 'study-conv') throw new Error(`--head must be logistic|study-conv, got "${values.head}"`);
  if (c.headKind === 'study-conv') await initBackend('wasm');
  const { size: SIZE, windows: WINDOWS, seed: SEED, head: HEAD, context: CONTEXT, variants: VARIANTS, recipe: RECIPE, trunkFeatures: TRUNK_FEATURES, extraWeight: EXTRA_WEIGHT, blood: BLOOD } = c;
  let FEATURES = TRUNK_FEATURES;
  if (!values.rsna) throw new Error('--rsna <shared/data/rsna-dev> is required');
  const rsna = resolve(values.rsna);
  const cacheDir = resolve(values.cache);
  const rsnaImages = unpackRsnaDev(rsna, cacheDir);
  const huOnly = values.trunk === 'none' && !fileTrunk;
  const trunkFile = huOnly ? '' : fileTrunk ?? await ensureDerivedTrunk(RECIPE, SIZE, WINDOWS.length, (l) => process.stderr.write(`${l}\n`));
  const hu = values['hu-features'];
  if (bloodFile && !hu) throw new Error('--blood-map needs the HU features');
  const trunkFeatures = FEATURES;
  if (hu) FEATURES += SECOND ? SECOND_MAP_ROW_FEATURES : countHuRowFeatures(BLOOD !== undefined);
  const embed = async (name: string, images: string, labels: string, variants: number): Promise<EmbeddedDataset> => {
    if (!huOnly) return embedCached(c, trunkFile, name, images, labels, cacheDir, variants);
    const first = await embedHuCached(cacheDir, name, images, labels, { size: SIZE, windows: WINDOWS, variants, seed: SEED, blood: BLOOD, bloodFile, region: c.huRegion });
    if (!SECOND || !fromLoc) return first;
    return joinSecondMap(first, await embedHuCached(cacheDir, name, images, labels, { size: SIZE, windows: WINDOWS, variants, seed: SEED, blood: SECOND, bloodFile: fromLoc.file, region: c.huRegion }));
  };
  const foldFiles = (values['blood-map-fold'] ?? []).map((f) => resolve(f));
  const hu1 = { size: SIZE, windows: WINDOWS, variants: VARIANTS, seed: SEED, blood: BLOOD, bloodFile, region: c.huRegion };
  if (foldFiles.length && (!huOnly || !SECOND || foldFiles.length !== Number(values.folds))) throw new Error(`--blood-map-fold takes one file per CV fold (${values.folds}), with --localiser and the HU features only`);
  if (values.insert?.length && !foldFiles.length) throw new Error('--insert needs --blood-map-fold: each patient\'s inserted slices get the map of the localiser that never saw it');
  // the second map on rsna-dev out of fold: each patient's from the localiser trained without its fold (oof-blood-map.ts)
  let real = foldFiles.length
    ? await embedSecondMapOutOfFold(cacheDir, 'rsna-dev', rsnaImages, join(rsna, 'labels.csv'), hu1, foldFiles)
    : await embed('rsna-dev', rsnaImages, join(rsna, 'labels.csv'), VARIANTS);
  if (hu && !huOnly) real = await withHuFeatures(c, real, rsnaImages, join(rsna, 'labels.csv'), VARIANTS);
  const synth: EmbeddedDataset[] = [];
  for (const dir of values.synth ?? []) {
    const sv = Number(values['synth-variants']);
    let d = await embed(`synth-${basename(resolve(dir))}`, join(dir, 'images'), join(dir, 'labels.csv'), sv);
    if (hu && !huOnly) d = await withHuFeatures(c, d, join(dir, 'images'), join(dir, 'labels.csv'), sv);
    synth.push(d);
  }
  const extra = synth.flatMap((d) => d.series);
  // lesions inserted into rsna-dev's clean slices (ichscan synth --insert-into): real anatomy under known labels, grouped by patient
  const k = Number(values.folds);
  const rsnaFolds = assignFolds(real.series, k);
  const inserted: EmbeddedDataset[] = [];
  for (const dir of values.insert ?? []) inserted.push(await embedSecondMapOutOfFold(cacheDir, `insert-${basename(resolve(dir))}`, join(dir, 'images'), join(dir, 'labels.csv'), { ...hu1, variants: 1 }, foldFiles, rsnaFolds));
  const grouped = { series: inserted.flatMap((d) => d.series), weight: Number(values['insert-weight']) };

  const study = c.headKind === 'study-conv';
  const trainer = study ? studyTrainer(FEATURES, c.study) : logisticTrainer(FEATURES, CONTEXT, HEAD);
  const [cv] = crossValidateHeads(real.series, extra, k, [trainer], {
    variants: VARIANTS,
    extraWeight: EXTRA_WEIGHT,
    grouped,
    onFold: (_h, f) => process.stderr.write(`fold ${f.fold}: ${f.patients} patients, ${f.slices} slices (${f.positives} any+), AUC(any) ${f.aucAny.toFixed(3)}, study AUC ${f.studyAucAny.toFixed(3)}, wLL ${f.weightedLogLoss.toFixed(4)} (prior ${f.priorWeightedLogLoss.toFixed(4)})\n`),
  });
  if (!cv) throw new Error('no folds');
  const valid = cv.folds.filter((f) => Number.isFinite(f.aucAny));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const oofAny = column(cv.oof.pred, 5);
  const oofY = column(cv.oof.target, 5);
  const youden = youdenThreshold(oofAny, oofY);
  const oofStudies = computeStudyScores(oofAny, oofY, cv.oof.seriesOf);
  const validation = {
    method: `patient-grouped ${k}-fold cross-validation on rsna-dev (folds balanced by positive slices; synthetic data only ever in training folds); metrics on unaugmented slices`,
    perFold: cv.folds,
    meanFoldAucAny: mean(valid.map((f) => f.aucAny)),
    meanFoldWeightedLogLoss: mean(cv.folds.map((f) => f.weightedLogLoss)),
    meanFoldPriorWeightedLogLoss: mean(cv.folds.map((f) => f.priorWeightedLogLoss)),
    pooledOofAucAny: rocAuc(oofAny, oofY),
    pooledOofWeightedLogLoss: weightedLogLoss(cv.oof.pred, cv.oof.target),
    youdenAny: { threshold: youden.threshold, sensitivity: youden.sensitivity, specificity: youden.specificity },
    note: 'Per-fold AUC swings widely: positives sit in 5 of 15 patients. Pooled out-of-fold AUC is biased low when folds differ in prevalence.',
  };
  process.stderr.write(`${JSON.stringify({ ...validation, perFold: undefined }, null, 2)}\n`);
  // out-of-fold predictions in the submission format, for `ichscan evaluate --predictions`
  if (values.oof) writeFileSync(resolve(values.oof), formatSubmission({ imageIds: cv.oof.imageIds, probabilities: cv.oof.pred }));

  // Final head on everything.
  const all = Array.from({ length: VARIANTS }, (_, v) => v);
  const head = trainer.fit([...expandVariants(real.series, all, 1), ...expandVariants(extra, all, EXTRA_WEIGHT), ...expandVariants(grouped.series, all, grouped.weight)]);

  // Held-out synthetic studies: never seen by the head (nor, by construction of the sets, by the trunk).
  const heldout: EmbeddedDataset[] = [];
  for (const dir of values.heldout ?? []) {
    let d = await embed(`heldout-${basename(resolve(dir))}`, join(dir, 'images'), join(dir, 'labels.csv'), 1);
    if (hu && !huOnly) d = await withHuFeatures(c, d, join(dir, 'images'), join(dir, 'labels.csv'), 1);
    heldout.push(d);
  }
  const heldoutSeries = heldout.flatMap((d) => d.series);
  let heldoutStudies: ReturnType<typeof computeStudyScores> | undefined;
  let heldoutSynthetic: Record<string, unknown> | undefined;
  if (heldoutSeries.length) {
    const hp = concatFloat32(heldoutSeries.map((s) => head.predict(s.variants[0] as Float32Array, s.imageIds.length)));
    const hy = concatFloat32(heldoutSeries.map((s) => s.labels));
    const hAny = column(hp, 5);
    const hY = column(hy, 5);
    heldoutStudies = computeStudyScores(hAny, hY, heldoutSeries.flatMap((s) => s.imageIds.map(() => s.seriesInstanceUid)));
    heldoutSynthetic = {
      sets: (values.heldout ?? []).map(readSynthManifest),
      slices: hy.length / 6,
      studies: heldoutStudies.scores.length,
      positiveStudies: heldoutStudies.labels.reduce((a, b) => a + b, 0),
      aucAny: rocAuc(hAny, hY),
      studyAucAny: rocAuc(heldoutStudies.scores, heldoutStudies.labels),
      weightedLogLoss: weightedLogLoss(hp, hy),
    };
    process.stderr.write(`held-out synthetic: ${JSON.stringify(heldoutSynthetic)}\n`);
  }
  const studyThreshold = chooseStudyThreshold(heldoutStudies ? [oofStudies, heldoutStudies] : [oofStudies]);
  process.stderr.write(`study threshold: ${JSON.stringify(studyThreshold)}\n`);
  if (values['cv-only']) {
    await BLOOD?.engine.dispose();
    head.dispose();
    return;
  }
  const bloodInfo = bloodFile && existsSync(`${bloodFile}.json`) ? (JSON.parse(readFileSync(`${bloodFile}.json`, 'utf8')) as Record<string, unknown>) : undefined;
  const realCov = countCoverage(real);
  const synthCov = synth.map(countCoverage);
  const card: ModelCard = {
    format: MODEL_FORMAT,
    kind: 'embedding-head',
    architecture: `${huOnly ? 'HU density' : `${fileTrunk ? `trunk.onnx (${TRUNK_FEATURES} outputs)` : RECIPE}${hu ? ' + HU density' : ''}`} features${bloodFile ? ` + blood-map features (bleedseg segmenter, blood.onnx${fromLoc ? '; and the localiser seg.onnx, its any channel' : ''})` : ''} + ${study ? `study head (study-conv, ${c.study.ensemble} seeds averaged: conv ${c.study.hidden.join(' → ')} channels, kernel ${c.study.kernel} slices along z, over the whole series)` : `logistic head over slices s-${CONTEXT}…s+${CONTEXT}`}`,
    inputSize: SIZE,
    windows: WINDOWS,
    context: study ? 0 : CONTEXT,
    contextSpacingMm: 5,
    outputs: SUBTYPES,
    trunk: {
      ...(huOnly ? { features: 0 } : { ...(fileTrunk ? { file: 'trunk.onnx' } : { derive: RECIPE }), features: trunkFeatures }),
      ...(hu ? { huFeatures: true, ...(c.huRegion === 'cavity' ? { huRegion: 'cavity' as const } : {}) } : {}),
      ...(BLOOD ? { bloodMap: describeBloodMap('blood.onnx', BLOOD) } : {}),
      ...(SECOND ? { secondBloodMap: describeBloodMap(LOCALISER_FILE, SECOND) } : {}),
      ...(study ? { studyHead: true } : {}),
    },
    thresholds: { any: Number(youden.threshold.toFixed(4)) },
    studyThresholds: { any: Number(studyThreshold.threshold.toFixed(4)) },
    trainingData: {
      summary: `Trained on ${real.series.reduce((n, s) => n + s.imageIds.length, 0)} real slices (rsna-dev: ${new Set(real.series.map((s) => s.group)).size} patients of the RSNA 2019 stage_2_train set)${extra.length ? ` plus ${extra.reduce((n, s) => n + s.imageIds.length, 0)} synthetic slices (ichscan synth)` : ''}${grouped.series.length ? ` plus ${grouped.series.reduce((n, s) => n + s.imageIds.length, 0)} of rsna-dev's clean slices with synthetic lesions inserted (ichscan synth --insert-into)` : ''}${bloodInfo ? `; its blood segmenter on ${String(bloodInfo['trainingSlices'])} other synthetic slices and their masks` : ''}.`,
      augmentation: `rsna-dev: ${VARIANTS - 1} extra variants per series (synthetic: ${Number(values['synth-variants']) - 1}): HU offset U(-10,10) and scale U(0.95,1.05) per series, random left-right flip`,
      realSlicesPerLabel: realCov,
      synthSlicesPerLabel: synthCov,
      subtypeCoverage: Object.fromEntries(SUBTYPES.map((s) => [s, [realCov[s] > 0 ? `rsna-dev (${realCov[s]} slices)` : null, synthCov.some((c) => c[s] > 0) ? `synthetic (${synthCov.reduce((n, c) => n + c[s], 0)} slices)` : null].filter(Boolean).join(' + ') || 'NONE: this label is never positive in training; its output is the prior'])),
      syntheticSets: (values.synth ?? []).map(readSynthManifest),
      head: study ? { kind: 'study-conv', ...c.study } : HEAD,
      syntheticRowWeight: EXTRA_WEIGHT,
      ...(inserted.length ? { insertedSets: (values.insert ?? []).map(readSynthManifest), insertedSlicesPerLabel: inserted.map(countCoverage), insertedRowWeight: grouped.weight } : {}),
      ...(bloodInfo ? { bloodMap: bloodInfo } : {}),
      ...(foldFiles.length ? { bloodMapOutOfFold: describeFoldLocalisers(real.series, foldFiles) } : {}),
    },
    validation: { ...validation, ...(heldoutSynthetic ? { heldoutSynthetic } : {}), studyThreshold: { ...studyThreshold, chosenOn: `Youden point of study scores (max over slices of P(any)): ${oofStudies.scores.length} out-of-fold rsna-dev studies${heldoutStudies ? ` + ${heldoutStudies.scores.length} held-out synthetic studies` : ''}` } },
    created: new Date().toISOString().slice(0, 10),
    intendedUse: 'Demonstration and research only. NOT a clinical device: trained on 518 real slices from 15 patients; do not use for diagnosis.',
    notes: [
      huOnly
        ? `No network trunk: each slice is described by 20 intracranial HU density features read from its bss window channels (src/model/features/hu-features.ts) plus 4 series-context features; ${study ? 'the study head sees the whole series' : 'the head sees slices s-1, s, s+1'}.`
        : 'The InceptionV3 trunk (nsfwjs npm package, ImageNet then NSFW fine-tuned) is derived into ~/.cache/ichscan at first use; only the head ships.',
      ...(fromLoc
        ? [`Second blood map (trunk.secondBloodMap): the localiser (seg.onnx, bleedseg-fine, trained on lesions inserted into real negative slices; trainingData.localiser), its any channel at stride 2; the same 3 slice + 1 series features follow blood.onnx's (src/model/features/hu-features.ts, joinSecondMapColumns).${foldFiles.length ? ` On rsna-dev the head trained on out-of-fold maps: each patient's from a localiser trained without its CV fold (${foldFiles.length} files; src/train/default-model/oof-blood-map.ts).` : ''}`]
        : []),
      ...(bloodFile
        ? ['Blood map: `blood.onnx` is the bleedseg segmenter (src/model/architectures/bleedseg.ts), trained only on synthetic studies against their per-pixel masks (src/train/default-model/train-blood-map.ts); per slice it adds log blood area, max smoothed blood probability and log soft area inside the cranial cavity (src/model/features/blood-map.ts), per series the max smoothed probability.']
        : []),
      ...(study
        ? ['Study head: head.onnx is a 1-D convolution stack over the z-ordered series of slice features ([1, n, 1, F] → [1, n, 1, 6], src/model/architectures/study-conv.ts), trained on whole series (src/train/default-model/study-head.ts); thin series run as interleaved subsequences at about contextSpacingMm (src/infer/study-sequence.ts).']
        : []),
      'The slice `any` threshold (bleed range, subtypes) is the Youden point of the pooled out-of-fold slice predictions; the study verdict uses `studyThresholds.any` on the study score (see validation.studyThreshold).',
      'The configurations compared before this one and why it was chosen: docs/model-card.md.',
    ],
  };
  const files: Record<string, Uint8Array> = { 'head.onnx': head.toOnnx('ichscan default head') };
  if (fileTrunk) files['trunk.onnx'] = readFileSync(fileTrunk);
  if (bloodFile) files['blood.onnx'] = readFileSync(bloodFile);
  if (fromLoc) {
    files[LOCALISER_FILE] = fromLoc.bytes;
    if (fromLoc.fp32) files[LOCALISER_FP32_FILE] = fromLoc.fp32;
  }
  writeModelFolder(resolve(values.out), fromLoc ? withLocaliser(card, fromLoc.info, undefined) : card, files, values.force);
  await BLOOD?.engine.dispose();
  await SECOND?.engine.dispose();
  head.dispose();
  process.stderr.write(`wrote ${values.out}\n`);
}

await main();
