/**
 * Trains the default model's localisation segmenter (`bleedseg-fine`, stride 2, five subtype
 * channels + any; src/model/architectures/bleedseg-fine.ts) on masked slices — lesions inserted
 * into real negative series (`ichscan synth --insert-into`) and whole synthetic studies — and
 * exports it to ONNX for the model folder (`seg.onnx`, named by the card's `localiser`; used by
 * localisation only, the verdict's features still come from `blood.onnx`). Resumable: rerun the
 * same command after a kill.
 *
 * Run: node dist/src/train/default-model/train-seg-map.js --data <synth dir> [--data <dir>]... --val <dir>
 *        --run <run dir> --out <seg.onnx> [--steps 2000] [--batch 12] [--crop 128] [--lr 0.002]
 *        [--lr-decay-step N --lr-decay 0.25] [--seed 1] [--backend torch] [--threads 2]
 *        [--weak <dir of labelled real slices> [--weak <dir>]... --weak-labels <Kaggle CSV>
 *         [--weak-batch 2] [--weak-weight 0.1] [--weak-sharpness 20]]
 * `--weak` adds whole labelled real slices to every step, supervised by their slice labels only
 * (multiple-instance learning, src/train/weak-labels.ts).
 * Beside `<out>` it writes `<out>.json` (training sets, schedule, validation losses, seconds).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ichError } from '../../core/errors.js';
import { createRng } from '../../core/random.js';
import { WINDOW_STACKS } from '../../core/windows.js';
import { buildBleedSegFine, BLEEDSEG_FINE_STRIDE } from '../../model/architectures/bleedseg-fine.js';
import { initBackend, parseBackendName } from '../../model/engine/index.js';
import { exportLayersModelToOnnx } from '../../model/onnx/export.js';
import { relaxSpatialDims } from '../../model/onnx/relax-dims.js';
import { readSynthManifest } from './embed-dataset.js';
import { readSubtypeMaskedSlices, type SubtypeCropOptions, type SubtypeMaskedSlice } from '../subtype-masks.js';
import { trainSubtypeSegmenter } from '../train-subtype-segmenter.js';
import { readWeakSlices, type WeakSlice } from '../weak-labels.js';
import { SUBTYPE_INDEX } from '../../core/subtypes.js';
import { readSegmenterRunOptions, segmenterFlags } from './segmenter-flags.js';

const SIZE = 256;
const WINDOWS = [...(WINDOW_STACKS['bss'] ?? [])];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', multiple: true },
      ...segmenterFlags({ steps: 2000, batch: 12 }),
      backend: { type: 'string', default: 'torch' },
      threads: { type: 'string' },
      weak: { type: 'string', multiple: true },
      'weak-labels': { type: 'string' },
      'weak-batch': { type: 'string', default: '2' },
      'weak-weight': { type: 'string', default: '0.1' },
      'weak-sharpness': { type: 'string', default: '20' },
    },
  });
  if (!values.data?.length || !values.val || !values.run || !values.out) throw new Error('--data, --val, --run and --out are required');
  const backend = parseBackendName(values.backend);
  await initBackend(backend, values.threads === undefined ? {} : { threads: Number(values.threads) });
  const so = { size: SIZE, stride: BLEEDSEG_FINE_STRIDE };
  const train: SubtypeMaskedSlice[] = [];
  for (const d of values.data) train.push(...(await readSubtypeMaskedSlices(d, so)));
  const val = await readSubtypeMaskedSlices(values.val, so, 4);
  const withBlood = train.filter((s) => s.bloodCells.length).length;
  process.stderr.write(`bleedseg-fine on ${backend}: ${train.length} training slices (${withBlood} with blood), ${val.length} validation slices\n`);
  const weakSlices: WeakSlice[] = [];
  let weakBleeding = 0;
  if (values.weak?.length) {
    if (!values['weak-labels']) throw ichError('ICH_E_USAGE', '--weak needs --weak-labels <Kaggle CSV>');
    for (const d of values.weak) weakSlices.push(...(await readWeakSlices(d, values['weak-labels'])));
    weakBleeding = weakSlices.filter((s) => (s.labels[SUBTYPE_INDEX.any] as number) > 0).length;
    process.stderr.write(`weak labels: ${weakSlices.length} real slices (${weakBleeding} bleeding), ${values['weak-batch']} a step at weight ${values['weak-weight']}\n`);
  }
  const weak = weakSlices.length ? { slices: weakSlices, batch: Number(values['weak-batch']), weight: Number(values['weak-weight']), sharpness: Number(values['weak-sharpness']) } : undefined;
  const crop: SubtypeCropOptions = { ...so, windows: WINDOWS, crop: Number(values.crop), positiveShare: 0.5, huOffset: 10, huScale: 0.05, zoom: 0.1 };
  const res = await trainSubtypeSegmenter(train, val, {
    ...crop,
    ...readSegmenterRunOptions(values),
    ...(weak ? { weak } : {}),
  });
  // a fixed-size twin for export (strided 'same' pads need a size); its pads hold for every
  // multiple of 8, so the file's H and W are then made symbolic (inference crops to the skull)
  const fixed = buildBleedSegFine({ channels: WINDOWS.length, size: SIZE }, createRng(0));
  fixed.setWeights(res.model.getWeights());
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  writeFileSync(values.out, relaxSpatialDims(exportLayersModelToOnnx(fixed, { docString: `bleedseg-fine ${SIZE}px bss, stride ${BLEEDSEG_FINE_STRIDE}, 5 subtypes + any; ${values.steps} steps on ${train.length} slices` })));
  process.stderr.write(`wrote ${values.out} (validation loss by step: ${JSON.stringify(res.history)}, ${res.seconds.toFixed(0)} s)\n`);
  const info = {
    architecture: 'bleedseg-fine',
    inputSize: SIZE,
    windows: WINDOWS.map((w) => w.name),
    stride: BLEEDSEG_FINE_STRIDE,
    channels: ['epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural', 'any'],
    backend,
    trainingSets: values.data.map(readSynthManifest),
    trainingSlices: train.length,
    trainingSlicesWithBlood: withBlood,
    steps: Number(values.steps),
    batch: Number(values.batch),
    crop: Number(values.crop),
    learningRate: Number(values.lr),
    ...(values['lr-decay-step'] ? { lrDecayStep: Number(values['lr-decay-step']), lrDecay: Number(values['lr-decay']) } : {}),
    augmentation: 'HU offset U(-10,10), HU scale U(0.95,1.05), zoom U(0.9,1.1), left-right flip; half the crops centred on blood',
    ...(weak
      ? {
          weakLabels: {
            sets: (values.weak ?? []).map((d) => basename(resolve(d))),
            slices: weakSlices.length,
            bleedingSlices: weakBleeding,
            batch: weak.batch,
            weight: weak.weight,
            sharpness: weak.sharpness,
            method: 'whole real slices, maps pooled per channel by log-mean-exp, Kaggle-weighted BCE against the slice labels (src/train/weak-labels.ts)',
          },
        }
      : {}),
    validationLossByStep: res.history,
    secondsThisRun: Math.round(res.seconds),
  };
  writeFileSync(`${values.out}.json`, `${JSON.stringify(info, null, 2)}\n`);
}

await main();
