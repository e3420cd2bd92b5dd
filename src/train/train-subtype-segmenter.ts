/**
 * Trains the localisation segmenter (`bleedseg-fine`: stride 2, six channels — five subtypes then
 * any blood) on crops of masked slices (whole synthetic studies and lesions inserted into real
 * series): Adam with an optional one-step decay, the positive-weighted binary cross-entropy of
 * train-segmenter.ts averaged over every cell and channel, a fixed number of steps. Crops depend
 * on (seed, step) only and checkpoints are atomic, so a killed run resumed from its checkpoint
 * sees the same batches as an uninterrupted one. Whole-slice validation loss at each checkpoint.
 * Runs on whatever tfjs backend is initialised (`torch` for speed, docs/torch-backend.md).
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createProgress } from '../core/progress.js';
import { createRng, type Rng } from '../core/random.js';
import { buildBleedSegFine } from '../model/architectures/bleedseg-fine.js';
import { preprocessSlice } from './blood-masks.js';
import { initialTrainerState, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.js';
import { trainStep } from './step.js';
import { drawSubtypeCropBatch, SUBTYPE_TARGET_CHANNELS, type SubtypeCropOptions, type SubtypeMaskedSlice } from './subtype-masks.js';
import { weightedPixelBce } from './train-segmenter.js';

export interface SubtypeSegmenterTrainOptions extends SubtypeCropOptions {
  runDir: string;
  steps: number;
  batch: number;
  learningRate: number;
  /** From this step on the learning rate is multiplied by `lrDecayFactor` (default: never). */
  lrDecayStep?: number;
  lrDecayFactor?: number;
  /** Weight of the blood term in the cross-entropy. */
  positiveWeight: number;
  seed: number;
  checkpointEvery: number;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface SubtypeSegmenterTrainResult {
  model: tf.LayersModel;
  /** Validation loss at each checkpoint: [step, loss]. */
  history: [number, number][];
  /** Training loss of every step run in this call (not across resumes). */
  losses: number[];
  seconds: number;
}

interface SegmenterState extends TrainerState {
  history: [number, number][];
}

/** Step `step`'s own RNG (crops depend on (seed, step) only). */
function stepRng(seed: number, step: number): Rng {
  return createRng((seed * 1_000_003 + step * 7919 + 17) >>> 0);
}

/** Whole-slice validation loss (no jitter, no flip, no zoom), in batches of 4. */
export function computeSubtypeValidationLoss(model: tf.LayersModel, val: readonly SubtypeMaskedSlice[], o: SubtypeCropOptions, positiveWeight: number): number {
  const C = o.windows.length;
  const K = SUBTYPE_TARGET_CHANNELS;
  const map = o.size / o.stride;
  let sum = 0;
  for (let i = 0; i < val.length; i += 4) {
    const part = val.slice(i, i + 4);
    const x = new Float32Array(part.length * o.size * o.size * C);
    part.forEach((s, b) => {
      const img = preprocessSlice(s, o);
      for (let k = 0; k < img.data.length; k++) x[b * img.data.length + k] = (img.data[k] as number) / 255;
    });
    const y = new Float32Array(part.length * map * map * K);
    part.forEach((s, b) => s.target.forEach((v, k) => (y[b * map * map * K + k] = v / 255)));
    const loss = tf.tidy(() => weightedPixelBce(tf.tensor4d(y, [part.length, map, map, K]), model.apply(tf.tensor4d(x, [part.length, o.size, o.size, C])) as tf.Tensor, positiveWeight));
    sum += (loss.dataSync()[0] as number) * part.length;
    loss.dispose();
  }
  return sum / Math.max(1, val.length);
}

/** Trains (or resumes) in `runDir` on the initialised backend. */
export async function trainSubtypeSegmenter(train: readonly SubtypeMaskedSlice[], val: readonly SubtypeMaskedSlice[], o: SubtypeSegmenterTrainOptions): Promise<SubtypeSegmenterTrainResult> {
  const t0 = performance.now();
  const ck = existsSync(o.runDir) ? await loadCheckpoint(o.runDir) : undefined;
  const model = ck?.model ?? buildBleedSegFine({ channels: o.windows.length, size: null }, createRng(o.seed));
  const optimizer = tf.train.adam(o.learningRate);
  const state: SegmenterState = { history: [], ...(ck?.state ?? initialTrainerState()) };
  if (ck) await ck.restoreOptimizer(optimizer);
  const history = state.history;
  const cm = o.crop / o.stride;
  const K = SUBTYPE_TARGET_CHANNELS;
  const losses: number[] = [];
  const progress = createProgress({ label: 'train bleedseg-fine', total: o.steps, unit: 'steps', ...(o.stream ? { stream: o.stream } : {}) });
  progress.tick(state.globalStep);
  let tMark = performance.now();
  while (state.globalStep < o.steps) {
    const decayed = o.lrDecayStep !== undefined && state.globalStep >= o.lrDecayStep;
    (optimizer as unknown as { learningRate: number }).learningRate = o.learningRate * (decayed ? (o.lrDecayFactor ?? 1) : 1);
    const { x, y } = drawSubtypeCropBatch(train, o.batch, o, stepRng(o.seed, state.globalStep));
    losses.push(trainStep(model, optimizer, (yt, yp) => weightedPixelBce(tf.reshape(yt, [o.batch, cm, cm, K]), yp, o.positiveWeight), [{ x, y }]));
    state.globalStep++;
    progress.tick();
    if (state.globalStep % o.checkpointEvery === 0 || state.globalStep === o.steps) {
      const v = computeSubtypeValidationLoss(model, val, o, o.positiveWeight);
      history.push([state.globalStep, v]);
      state.finished = state.globalStep === o.steps;
      state.trainSeconds += (performance.now() - tMark) / 1000;
      tMark = performance.now();
      await saveCheckpoint(o.runDir, model, optimizer, state);
      o.stream?.write(`step ${state.globalStep}: validation loss ${v.toFixed(4)}, last train loss ${(losses[losses.length - 1] ?? NaN).toFixed(4)}\n`);
    }
  }
  progress.finish();
  return { model, history, losses, seconds: (performance.now() - t0) / 1000 };
}
