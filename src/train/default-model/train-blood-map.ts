/**
 * Trains the default model's blood segmenter (`bleedseg`, src/model/architectures/bleedseg.ts) on
 * synthetic studies' masks and exports it to ONNX for the model folder (`blood.onnx`, read by the
 * scorer through the card's `trunk.bloodMap`). Resumable: rerun the same command after a kill.
 *
 * Run: node dist/src/train/default-model/train-blood-map.js --synth <dir> [--synth <dir>]... --val <dir>
 *        --run <run dir> --out <blood.onnx> [--steps 1500] [--batch 16] [--crop 128] [--lr 0.002] [--seed 1]
 *        [--lr-decay-step N --lr-decay 0.25]
 *        [--heldout <synth dir>]...
 * Beside `<out>` it writes `<out>.json` (training sets, schedule, held-out figures), which
 * build-default copies into the model card. A run already at `--steps` only exports (and measures), so an intermediate checkpoint can be
 * checked while training goes on. `--heldout` folders (never trained on) measure what the segmenter
 * alone says: slice AUC(any) of the max smoothed blood probability, and study AUC of its max.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRng } from '../../core/random.js';
import { WINDOW_STACKS } from '../../core/windows.js';
import { buildBleedSeg, BLEEDSEG_STRIDE } from '../../model/architectures/bleedseg.js';
import { initBackend } from '../../model/engine/index.js';
import { exportLayersModelToOnnx } from '../../model/onnx/export.js';
import { createOnnxEngine, type InferenceEngine } from '../../model/onnx/runner.js';
import { rocAuc } from '../../model/metrics.js';
import { HU_FEATURES } from '../../model/features/hu-features.js';
import { embedLabelledFolder, huEmbedder, readSynthManifest } from './embed-dataset.js';
import { readMaskedSlices, type CropOptions, type MaskedSlice } from '../blood-masks.js';
import { trainSegmenter } from '../train-segmenter.js';
import { readSegmenterRunOptions, segmenterFlags } from './segmenter-flags.js';

const SIZE = 256;
const WINDOWS = [...(WINDOW_STACKS['bss'] ?? [])];

/** What the segmenter alone says on a labelled synth folder: slice and study AUC(any) of its max smoothed probability. */
export async function measureBloodMap(engine: InferenceEngine, dir: string): Promise<{ slices: number; studies: number; sliceAuc: number; studyAuc: number }> {
  const embedder = huEmbedder(WINDOWS, { engine, stride: BLEEDSEG_STRIDE });
  const { dataset } = await embedLabelledFolder(embedder, join(dir, 'images'), join(dir, 'labels.csv'), { name: 'heldout', size: SIZE, windows: WINDOWS, variants: 1, seed: 1 });
  const F = dataset.features;
  const sliceScore: number[] = [];
  const sliceY: number[] = [];
  const studyScore: number[] = [];
  const studyY: number[] = [];
  for (const s of dataset.series) {
    const rows = s.variants[0] as Float32Array;
    let best = 0;
    let any = 0;
    for (let i = 0; i < s.imageIds.length; i++) {
      const v = rows[i * F + HU_FEATURES + 1] as number;
      const y = s.labels[i * 6 + 5] as number;
      sliceScore.push(v);
      sliceY.push(y);
      best = Math.max(best, v);
      any = Math.max(any, y);
    }
    studyScore.push(best);
    studyY.push(any);
  }
  return { slices: sliceY.length, studies: studyY.length, sliceAuc: rocAuc(sliceScore, sliceY), studyAuc: rocAuc(studyScore, studyY) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      synth: { type: 'string', multiple: true },
      ...segmenterFlags({ steps: 1500, batch: 16 }),
      heldout: { type: 'string', multiple: true },
    },
  });
  if (!values.synth?.length || !values.val || !values.run || !values.out) throw new Error('--synth, --val, --run and --out are required');
  await initBackend('wasm');
  const so = { size: SIZE, stride: BLEEDSEG_STRIDE };
  const train: MaskedSlice[] = [];
  for (const d of values.synth) train.push(...(await readMaskedSlices(d, so)));
  const val = await readMaskedSlices(values.val, so, 4);
  process.stderr.write(`bleedseg: ${train.length} training slices (${train.filter((s) => s.bloodCells.length).length} with blood), ${val.length} validation slices\n`);
  const crop: CropOptions = { ...so, windows: WINDOWS, crop: Number(values.crop), positiveShare: 0.5, huOffset: 10, huScale: 0.05 };
  const res = await trainSegmenter(train, val, {
    ...crop,
    ...readSegmenterRunOptions(values),
  });
  // a fixed-size twin for export (the trained model takes any size)
  const fixed = buildBleedSeg({ channels: WINDOWS.length, size: SIZE }, createRng(0));
  fixed.setWeights(res.model.getWeights());
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  writeFileSync(values.out, exportLayersModelToOnnx(fixed, { docString: `bleedseg ${SIZE}px bss, trained ${values.steps} steps on ${train.length} synthetic slices` }));
  process.stderr.write(`wrote ${values.out} (validation loss by step: ${JSON.stringify(res.history)}, ${res.seconds.toFixed(0)} s)\n`);
  const heldout: Record<string, unknown>[] = [];
  for (const d of values.heldout ?? []) {
    const engine = await createOnnxEngine(resolve(values.out), { provider: 'cpu' });
    const m = await measureBloodMap(engine, d);
    await engine.dispose();
    process.stderr.write(`held-out ${d}: ${JSON.stringify(m)}\n`);
    heldout.push({ set: readSynthManifest(d), ...m });
  }
  // the sidecar build-default copies into the model card (what trained the segmenter, how it did)
  const info = {
    architecture: 'bleedseg',
    inputSize: SIZE,
    windows: WINDOWS.map((w) => w.name),
    stride: BLEEDSEG_STRIDE,
    trainingSets: values.synth.map(readSynthManifest),
    trainingSlices: train.length,
    trainingSlicesWithBlood: train.filter((s) => s.bloodCells.length).length,
    steps: Number(values.steps),
    batch: Number(values.batch),
    crop: Number(values.crop),
    learningRate: Number(values.lr),
    ...(values['lr-decay-step'] ? { lrDecayStep: Number(values['lr-decay-step']), lrDecay: Number(values['lr-decay']) } : {}),
    augmentation: 'HU offset U(-10,10), scale U(0.95,1.05), left-right flip; half the crops centred on blood',
    validationLossByStep: res.history,
    heldout,
  };
  writeFileSync(`${values.out}.json`, `${JSON.stringify(info, null, 2)}\n`);
}

await main();
