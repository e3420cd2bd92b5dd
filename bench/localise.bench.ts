/**
 * Localisation quality on a folder with ground truth (`ichscan synth` output, whole studies or
 * `--insert-into` real series): pooled Dice (any, per subtype), median volume error and the study
 * AUC, in the same run for: the localiser (stride-2 subtype segmenter, when the model has one) with
 * subtypes from its channels and with the place/shape rule; the stride-4 segmenter ∧ HU ∧ cavity
 * (the localiser off); the plain HU-threshold baseline (40–90 HU inside the cavity, no segmenter).
 * Usage: `npm run bench:localise -- --data DIR [--model default] [--map-threshold 0.5] [--hu-low 45]
 * [--hu-high 95] [--min-area 6] [--grow 3] [--loc-threshold 0.5] [--loc-gate 0.1] [--no-loc-tta] [--loc-crop-margin 16]
 * [--ungated] [--methods channels,rule,rule-noskip,hybrid,rule-frame,stride4,hu]`. `--ungated` draws masks in every series whatever the verdict (the masks apart from
 * the classifier). Prints numbers; not a test.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SUBTYPES } from '../src/core/subtypes.js';
import { DEFAULT_BLEED_MASK_PARAMS, type BleedMaskParams } from '../src/infer/localise/bleed-mask.js';
import { createMaskScorer, type MaskScores } from '../src/infer/localise/score-masks.js';
import { DEFAULT_LOCALISER_PARAMS, type LocaliserParams } from '../src/infer/localise/subtype-map.js';
import { sliceImageId } from '../src/infer/localise/write-outputs.js';
import { readModelCard, resolveModelDir } from '../src/model/card/model-card.js';
import { planPrediction, predictPlanned } from '../src/infer/predict.js';
import { openScorer } from '../src/infer/scorer.js';
import { rocAuc } from '../src/model/metrics.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    model: { type: 'string', default: 'default' },
    'map-threshold': { type: 'string' },
    'hu-low': { type: 'string' },
    'hu-high': { type: 'string' },
    'min-area': { type: 'string' },
    grow: { type: 'string' },
    tta: { type: 'boolean', default: false },
    'loc-threshold': { type: 'string' },
    'loc-gate': { type: 'string' },
    'no-loc-tta': { type: 'boolean', default: false },
    'loc-crop-margin': { type: 'string' },
    ungated: { type: 'boolean', default: false },
    methods: { type: 'string', default: 'channels,rule,stride4,hu' },
  },
});
if (!values.data) throw new Error('--data DIR (an ichscan synth folder) is required');
const data = values.data;
const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));
const D = DEFAULT_BLEED_MASK_PARAMS;
const params: BleedMaskParams = {
  mapThreshold: num(values['map-threshold'], D.mapThreshold),
  huLow: num(values['hu-low'], D.huLow),
  huHigh: num(values['hu-high'], D.huHigh),
  minAreaMm2: num(values['min-area'], D.minAreaMm2),
  cavityGrowPx: num(values.grow, D.cavityGrowPx),
};

const L = DEFAULT_LOCALISER_PARAMS;
const loc: LocaliserParams = { ...L, threshold: num(values['loc-threshold'], L.threshold), gate: num(values['loc-gate'], L.gate), tta: !values['no-loc-tta'], cropMarginPx: num(values['loc-crop-margin'], L.cropMarginPx) };

async function measure(label: string, p: BleedMaskParams, lp: LocaliserParams): Promise<void> {
  const scorer = await openScorer(resolveModelDir(values.model as string, process.cwd()));
  const masks = createMaskScorer(data);
  const t0 = performance.now();
  const plan = planPrediction([join(data, 'images')], process.cwd());
  const studies = await predictPlanned(scorer, plan.series, plan.failures, {
    tta: values.tta,
    localise: p,
    localiser: lp,
    localiseIgnoringVerdict: values.ungated,
    onSeriesLocalised: (s) => {
      s.prediction.slices.forEach((sl, i) => masks.addSlice(sliceImageId(sl), s.localisation.labels[i] as Uint8Array));
    },
  });
  for (const st of studies) masks.addStudy(st.studyInstanceUid, st.volumeMl?.total ?? 0);
  const seconds = (performance.now() - t0) / 1000;
  const r: MaskScores = masks.result();
  const truth = r.studies.map((s) => (s.trueMl > 0 ? 1 : 0));
  const score = r.studies.map((s) => studies.find((x) => x.studyInstanceUid === s.studyInstanceUid)?.verdict.anyProbability ?? 0);
  const auc = rocAuc(Float64Array.from(score), Float64Array.from(truth));
  const fmt = (v: number | null): string => (v === null ? '  -  ' : v.toFixed(3));
  console.log(
    `${label.padEnd(34)} dice any ${fmt(r.dice.any)} | ${SUBTYPES.filter((s) => s !== 'any').map((s) => `${s.slice(0, 5)} ${fmt(r.dice[s as Exclude<typeof s, 'any'>])}`).join(' ')} | ` +
      `vol |Δ| median ${fmt(r.medianAbsErrorMl)} mL ${r.medianAbsErrorPct === null ? '-' : r.medianAbsErrorPct.toFixed(0)} % | study AUC ${auc.toFixed(3)} | ${r.slices} slices, ${studies.length} studies, ${seconds.toFixed(1)} s`,
  );
  console.log(`  true-pixel confusion (rows: true ${SUBTYPES.slice(0, 5).map((s) => s.slice(0, 5)).join('/')}; columns: none then predicted): ${JSON.stringify(r.confusion)}`);
  await scorer.dispose();
}

console.log(`data ${data}; params ${JSON.stringify(params)}; localiser ${JSON.stringify(loc)}; ${values.ungated ? 'ungated (masks in every series)' : 'gated by the verdict'}`);
const off: LocaliserParams = { ...loc, enabled: false };
const methods = new Set((values.methods as string).split(','));
if (readModelCard(resolveModelDir(values.model as string, process.cwd())).localiser) {
  if (methods.has('channels')) await measure('localiser ∧ HU ∧ cavity, channels', params, { ...loc, subtypes: 'channels' });
  if (methods.has('rule')) await measure('localiser ∧ HU ∧ cavity, rule', params, { ...loc, subtypes: 'rule' });
  // without skipping the slices whose verdict-time localiser pass stays under 2t − 1 (the skip is exact: same masks)
  if (methods.has('rule-noskip')) await measure('localiser, rule, no own-pass skip', params, { ...loc, subtypes: 'rule', skipOnOwnPass: false });
  if (methods.has('hybrid')) await measure('localiser ∧ HU ∧ cavity, hybrid', params, { ...loc, subtypes: 'hybrid' });
  // the same on the whole 256² frame instead of the box around the cavities (localiser-crop.ts)
  if (methods.has('rule-frame')) await measure('localiser (whole frame), rule', params, { ...loc, subtypes: 'rule', crop: false });
}
// the localiser off: the verdict's blood map (trunk.bloodMap: blood.onnx at stride 4 in folders before 2 Dec 2026, the localiser's any channel since) ∧ HU ∧ cavity
if (methods.has('stride4')) await measure('blood map ∧ HU ∧ cavity (no localiser)', params, off);
// the baseline: the same cavity, the map ignored (threshold 0), 40–90 HU, no area filter
if (methods.has('hu')) await measure('HU 40–90 ∧ cavity (baseline)', { ...params, mapThreshold: 0, huLow: 40, huHigh: 90, minAreaMm2: 0 }, off);
