/**
 * A training run's configuration: everything `ichscan train` takes, resolved to values, written to
 * `<run>/config.json` and read back by `--resume` (so a resumed run trains exactly the same setup).
 */
import { ichError } from '../core/errors.js';
import type { AugmentConfig } from '../preprocess/index.js';
import type { ArchitectureName } from '../model/architectures/index.js';
import type { BackendName } from '../model/engine/index.js';
import type { LossName } from '../model/loss.js';

export interface TrainConfig {
  /** Index database (from `ichscan index` + `ichscan split`). */
  db: string;
  model: ArchitectureName;
  /** Input size in pixels (square). */
  size: number;
  /** The window stack spec as given (`bss`, `brain,subdural,bone`, …). */
  windows: string;
  context: 0 | 1;
  epochs: number;
  /** Images per step (per micro-batch when accum > 1). */
  batch: number;
  /** Micro-batches whose gradients are summed into one optimizer step (effective batch = batch·accum). */
  accum: number;
  /** Adam learning rate at epoch 0, multiplied by lrDecay after every epoch. */
  lr: number;
  lrDecay: number;
  /** Validation fold (the held-out fold; trained on the others, holdout excluded). */
  fold: number;
  /** Sampling spec (see src/data/sampler.ts), e.g. `all`, `capstone`. */
  sampling: string;
  /** Augmentation spec as given (`none`, `light`, `capstone`, or key=value list). */
  augment: string;
  loss: LossName;
  seed: number;
  backend: BackendName;
  /** Early stopping: stop after this many epochs without a better validation loss (0 = off). */
  patience: number;
  /** Minutes between mid-epoch checkpoints. */
  checkpointMinutes: number;
  /** Epoch weights for averaging validation predictions (capstone: 0,1,2,4,6); empty = off. */
  epochWeights: number[];
  /** Loader worker threads (0 = main thread). */
  workers: number;
  /** Training replicas: 2 = a second replica on a worker thread (data parallel, two cores). Absent = 1. */
  replicas?: 1 | 2;
  /** Tensor cache folder for the loader (optional). */
  cacheDir?: string;
  /** Cap on training images per epoch (after sampling), for quick runs; 0 = no cap. */
  maxImagesPerEpoch: number;
}

/** Named augmentation presets. `capstone`: flips + small rotations/zoom/shift, as the capstone's generator. */
export const AUGMENT_PRESETS: Readonly<Record<string, AugmentConfig>> = {
  none: {},
  light: { flipProbability: 0.5, rotationDeg: 5, shiftPx: 4 },
  capstone: { flipProbability: 0.5, rotationDeg: 10, scale: 0.1, shiftPx: 8 },
  robust: { flipProbability: 0.5, rotationDeg: 10, scale: 0.1, shiftPx: 8, huOffset: 8, huScale: 0.05 },
};

const AUGMENT_KEYS: Record<string, keyof AugmentConfig> = {
  flip: 'flipProbability',
  rot: 'rotationDeg',
  scale: 'scale',
  shift: 'shiftPx',
  crop: 'minCrop',
  hu: 'huOffset',
  huscale: 'huScale',
};

/**
 * Parses `--augment`: a preset (`none`, `light`, `capstone`, `robust`) or
 * `flip=0.5,rot=10,scale=0.1,shift=8,crop=0.9,hu=5,huscale=0.05` (see AugmentConfig for units).
 */
export function parseAugmentSpec(spec: string): AugmentConfig {
  const s = spec.trim();
  const preset = AUGMENT_PRESETS[s];
  if (preset) return { ...preset };
  const cfg: AugmentConfig = {};
  for (const part of s.split(',')) {
    const m = /^([a-z]+)=(-?\d*\.?\d+)$/.exec(part.trim());
    const key = m ? AUGMENT_KEYS[m[1] as string] : undefined;
    if (!m || !key) throw ichError('ICH_E_USAGE', `bad augmentation term "${part}" (presets ${Object.keys(AUGMENT_PRESETS).join('|')}, or ${Object.keys(AUGMENT_KEYS).join('|')}=value)`);
    cfg[key] = Number(m[2]);
  }
  return cfg;
}

/** Parses `--epoch-weights 0,1,2,4,6` (or `capstone`, or `none`). */
export function parseEpochWeights(spec: string): number[] {
  const s = spec.trim();
  if (s === 'none' || s === '') return [];
  if (s === 'capstone') return [0, 1, 2, 4, 6];
  const w = s.split(',').map(Number);
  if (w.some((v) => !Number.isFinite(v) || v < 0)) throw ichError('ICH_E_USAGE', `--epoch-weights must be non-negative numbers, got "${spec}"`);
  return w;
}

/** Checks ranges that the flag parser cannot. */
export function validateTrainConfig(c: TrainConfig): TrainConfig {
  const bad = (msg: string): never => {
    throw ichError('ICH_E_USAGE', msg);
  };
  if (!Number.isInteger(c.size) || c.size < 16 || c.size > 1024) bad(`--size must be an integer in [16, 1024], got ${c.size}`);
  if (!Number.isInteger(c.epochs) || c.epochs < 1) bad(`--epochs must be a positive integer, got ${c.epochs}`);
  if (!Number.isInteger(c.batch) || c.batch < 1) bad(`--batch must be a positive integer, got ${c.batch}`);
  if (!Number.isInteger(c.accum) || c.accum < 1) bad(`--accum must be a positive integer, got ${c.accum}`);
  if (!(c.lr > 0)) bad(`--lr must be > 0, got ${c.lr}`);
  if (!(c.lrDecay > 0 && c.lrDecay <= 1)) bad(`--lr-decay must be in (0, 1], got ${c.lrDecay}`);
  if (!(c.checkpointMinutes > 0)) bad(`--checkpoint-minutes must be > 0, got ${c.checkpointMinutes}`);
  return c;
}
