/**
 * Trains the blood segmenter (`bleedseg`) on crops of synthetic slices against their per-pixel
 * masks: Adam (optionally with one step decay of its rate), a positive-weighted binary cross-entropy on soft targets (blood is a few per cent of
 * a crop's cells), a fixed number of steps. Crop draws come from an RNG seeded by (seed, step), so
 * a run killed and resumed from its checkpoint (every `checkpointEvery` steps, atomically) sees the
 * same batches as an uninterrupted one. Whole-slice validation loss is logged at each checkpoint.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createProgress } from '../core/progress.js';
import { createRng, type Rng } from '../core/random.js';
import { buildBleedSeg } from '../model/architectures/bleedseg.js';
import { drawCropBatch, preprocessSlice, type CropOptions, type MaskedSlice } from './blood-masks.js';
import type { Batch } from '../core/tensor.js';
import { initialTrainerState, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.js';
import { microLoss, trainableVariables, trainStep, type LossFn, type MicroBatch } from './step.js';
import { drawWeakBatch, poolSliceScores, weakLabelBce, type WeakSlice } from './weak-labels.js';

export interface SegmenterTrainOptions extends CropOptions {
  runDir: string;
  steps: number;
  batch: number;
  learningRate: number;
  /** From this step on the learning rate is multiplied by `lrDecayFactor` (a step schedule; default: never). */
  lrDecayStep?: number;
  lrDecayFactor?: number;
  /** Weight of the blood term in the cross-entropy. */
  positiveWeight: number;
  seed: number;
  checkpointEvery: number;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Slice labels as weak supervision (src/train/weak-labels.ts); only for a segmenter whose channels are SUBTYPES. */
  weak?: WeakSupervision;
}

export interface WeakSupervision {
  slices: readonly WeakSlice[];
  /** Whole slices a step, on top of the crops. */
  batch: number;
  /** Weight of their loss beside the pixel loss. */
  weight: number;
  /** Sharpness r of the log-mean-exp pooling. */
  sharpness: number;
}

export interface SegmenterTrainResult {
  model: tf.LayersModel;
  /** Validation loss at each checkpoint: [step, loss]. */
  history: [number, number][];
  /** Training loss of every step run in this call (not across resumes). */
  losses: number[];
  seconds: number;
}

/** The trainer's checkpoint state plus the validation history. */
interface SegmenterState extends TrainerState {
  history: [number, number][];
}

/** Mean positive-weighted binary cross-entropy of probabilities `p` against soft targets `y`. */
export function weightedPixelBce(y: tf.Tensor, p: tf.Tensor, positiveWeight: number): tf.Scalar {
  return tf.tidy(() => {
    const eps = 1e-6;
    const q = tf.clipByValue(p, eps, 1 - eps);
    const pos = tf.mul(tf.mul(y, tf.log(q)), positiveWeight);
    const neg = tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q)));
    return tf.neg(tf.mean(tf.add(pos, neg))) as tf.Scalar;
  });
}

/**
 * What differs between the segmenters one trainer serves: the network, the output channels `K`,
 * how a training batch is drawn, how a slice's target becomes floats in [0, 1] (`m` × `m` × K), and
 * a salt of the per-step RNG (kept per segmenter, so a run repeats the batches it always drew).
 */
export interface SegmenterSpec<S extends { decoded: MaskedSlice['decoded'] }> {
  label: string;
  outputChannels: number;
  build: (rng: Rng) => tf.LayersModel;
  drawBatch: (slices: readonly S[], n: number, rng: Rng) => { x: Batch<'float32'>; y: Float32Array };
  writeTarget: (s: S, out: Float32Array, offset: number) => void;
  rngSalt: number;
}

/** Step `step`'s own RNG: crops depend on (seed, step) only, so resuming repeats them exactly. */
function stepRng(seed: number, step: number, salt: number): Rng {
  return createRng((seed * 1_000_003 + step * 7919 + salt) >>> 0);
}

/** Whole-slice validation loss (no jitter, no flip, no zoom), in batches of 4. */
export function computeSegmenterValidationLoss<S extends { decoded: MaskedSlice['decoded'] }>(
  spec: Pick<SegmenterSpec<S>, 'outputChannels' | 'writeTarget'>,
  model: tf.LayersModel,
  val: readonly S[],
  o: CropOptions,
  positiveWeight: number,
): number {
  const C = o.windows.length;
  const K = spec.outputChannels;
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
    part.forEach((s, b) => spec.writeTarget(s, y, b * map * map * K));
    const loss = tf.tidy(() => weightedPixelBce(tf.tensor4d(y, [part.length, map, map, K]), model.apply(tf.tensor4d(x, [part.length, o.size, o.size, C])) as tf.Tensor, positiveWeight));
    sum += (loss.dataSync()[0] as number) * part.length;
    loss.dispose();
  }
  return sum / Math.max(1, val.length);
}

/** Trains (or resumes) `spec`'s segmenter in `runDir` on the initialised backend (wasm, cpu or torch). */
export async function runSegmenterTraining<S extends { decoded: MaskedSlice['decoded'] }>(spec: SegmenterSpec<S>, train: readonly S[], val: readonly S[], o: SegmenterTrainOptions): Promise<SegmenterTrainResult> {
  const t0 = performance.now();
  const ck = existsSync(o.runDir) ? await loadCheckpoint(o.runDir) : undefined;
  const model = ck?.model ?? spec.build(createRng(o.seed));
  const optimizer = tf.train.adam(o.learningRate);
  const state: SegmenterState = { history: [], ...(ck?.state ?? initialTrainerState()) };
  if (ck) await ck.restoreOptimizer(optimizer);
  const history = state.history;
  const cm = o.crop / o.stride;
  const K = spec.outputChannels;
  const losses: number[] = [];
  const progress = createProgress({ label: `train ${spec.label}`, total: o.steps, unit: 'steps', ...(o.stream ? { stream: o.stream } : {}) });
  progress.tick(state.globalStep);
  let tMark = performance.now(); // training seconds accumulate in the checkpoint across resumes
  while (state.globalStep < o.steps) {
    // the rate depends on the step only, so a resumed run follows the same schedule
    const decayed = o.lrDecayStep !== undefined && state.globalStep >= o.lrDecayStep;
    (optimizer as unknown as { learningRate: number }).learningRate = o.learningRate * (decayed ? (o.lrDecayFactor ?? 1) : 1);
    const rng = stepRng(o.seed, state.globalStep, spec.rngSalt);
    const { x, y } = spec.drawBatch(train, o.batch, rng);
    const pixelLoss: LossFn = (yt, yp) => weightedPixelBce(tf.reshape(yt, [o.batch, cm, cm, K]), yp, o.positiveWeight);
    // the weak batch draws after the crops from the same step RNG, so runs without it are unchanged
    losses.push(o.weak ? trainWeakStep(model, optimizer, pixelLoss, { x, y }, drawWeakBatch(o.weak.slices, o.weak.batch, o, rng), o.weak) : trainStep(model, optimizer, pixelLoss, [{ x, y }]));
    state.globalStep++;
    progress.tick();
    if (state.globalStep % o.checkpointEvery === 0 || state.globalStep === o.steps) {
      const v = computeSegmenterValidationLoss(spec, model, val, o, o.positiveWeight);
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

/** One step on the crops' pixel loss plus `weak.weight` × the weak-label loss of whole slices; returns the total. */
function trainWeakStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  pixelLoss: LossFn,
  crops: MicroBatch,
  slices: MicroBatch,
  weak: WeakSupervision,
): number {
  const n = slices.x.shape[0];
  const loss = optimizer.minimize(
    () => {
      const p = microLoss(model, pixelLoss, crops);
      // inference mode: the whole slices use the batch-norm statistics as they stand and do not
      // move them, so the statistics inference uses stay those of the crops
      const maps = model.apply(tf.tensor4d(slices.x.data, [...slices.x.shape]), { training: false }) as tf.Tensor;
      const w = weakLabelBce(tf.tensor2d(slices.y, [n, slices.y.length / n]), poolSliceScores(maps, weak.sharpness));
      return tf.add(p, tf.mul(w, weak.weight)) as tf.Scalar;
    },
    true,
    trainableVariables(model),
  );
  const v = loss?.dataSync()[0] ?? NaN;
  loss?.dispose();
  return v;
}

/** The stride-4 blood segmenter (`bleedseg`, one channel). */
function bleedSegSpec(o: CropOptions): SegmenterSpec<MaskedSlice> {
  return {
    label: 'bleedseg',
    outputChannels: 1,
    build: (rng) => buildBleedSeg({ channels: o.windows.length, size: null }, rng),
    drawBatch: (slices, n, rng) => drawCropBatch(slices, n, o, rng),
    writeTarget: (s, out, offset) => out.set(s.target, offset),
    rngSalt: 0,
  };
}

/** Whole-slice validation loss of the blood segmenter. */
export function computeValidationLoss(model: tf.LayersModel, val: readonly MaskedSlice[], o: CropOptions, positiveWeight: number): number {
  return computeSegmenterValidationLoss(bleedSegSpec(o), model, val, o, positiveWeight);
}

/** Trains (or resumes) the blood segmenter in `runDir`. */
export async function trainSegmenter(train: readonly MaskedSlice[], val: readonly MaskedSlice[], o: SegmenterTrainOptions): Promise<SegmenterTrainResult> {
  return runSegmenterTraining(bleedSegSpec(o), train, val, o);
}
