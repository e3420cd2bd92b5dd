/**
 * The command-line flags both segmenter builders take (train-blood-map.js, train-seg-map.js) and
 * the trainer's run options read from them: the data flags, what follows training (export,
 * held-out checks) and the defaults of steps and batch stay with each script.
 */
import { resolve } from 'node:path';
import type { CropOptions } from '../blood-masks.js';
import type { SegmenterTrainOptions } from '../train-segmenter.js';

type StringFlag = { type: 'string'; default?: string };

/** parseArgs options shared by the segmenter builders; `steps` and `batch` defaults per script. */
export function segmenterFlags(defaults: { steps: number; batch: number }) {
  const s = (d?: string): StringFlag => (d === undefined ? { type: 'string' } : { type: 'string', default: d });
  return {
    val: s(),
    run: s(),
    out: s(),
    steps: s(String(defaults.steps)),
    batch: s(String(defaults.batch)),
    crop: s('128'),
    lr: s('0.002'),
    'lr-decay-step': s(),
    'lr-decay': s('0.25'),
    'positive-weight': s('3'),
    seed: s('1'),
    'checkpoint-every': s('100'),
  } as const;
}

/** The values parsed from segmenterFlags (strings, as parseArgs gives them). */
export interface SegmenterFlagValues {
  run?: string;
  steps?: string;
  batch?: string;
  lr?: string;
  'lr-decay-step'?: string;
  'lr-decay'?: string;
  'positive-weight'?: string;
  seed?: string;
  'checkpoint-every'?: string;
}

/** The trainer's run options (everything but the crop) from the parsed flags; progress to stderr. */
export function readSegmenterRunOptions(values: SegmenterFlagValues): Omit<SegmenterTrainOptions, keyof CropOptions> {
  return {
    runDir: resolve(values.run ?? '.'),
    steps: Number(values.steps),
    batch: Number(values.batch),
    learningRate: Number(values.lr),
    ...(values['lr-decay-step'] ? { lrDecayStep: Number(values['lr-decay-step']), lrDecayFactor: Number(values['lr-decay']) } : {}),
    positiveWeight: Number(values['positive-weight']),
    seed: Number(values.seed),
    checkpointEvery: Number(values['checkpoint-every']),
    stream: process.stderr,
  };
}
