/**
 * Trains the localisation segmenter (`bleedseg-fine`: stride 2, six channels — five subtypes then
 * any blood) on crops of masked slices (whole synthetic studies and lesions inserted into real
 * series): Adam with an optional one-step decay, the positive-weighted binary cross-entropy of
 * train-segmenter.ts averaged over every cell and channel, a fixed number of steps. Crops depend
 * on (seed, step) only and checkpoints are atomic, so a killed run resumed from its checkpoint
 * sees the same batches as an uninterrupted one. Whole-slice validation loss at each checkpoint.
 * Runs on whatever tfjs backend is initialised (`torch` for speed, docs/torch-backend.md).
 */
import type * as tf from '@tensorflow/tfjs';
import { buildBleedSegFine } from '../model/architectures/bleedseg-fine.js';
import { drawSubtypeCropBatch, SUBTYPE_TARGET_CHANNELS, type SubtypeCropOptions, type SubtypeMaskedSlice } from './subtype-masks.js';
import { computeSegmenterValidationLoss, runSegmenterTraining, type SegmenterSpec, type SegmenterTrainOptions, type SegmenterTrainResult } from './train-segmenter.js';

export type SubtypeSegmenterTrainOptions = SegmenterTrainOptions & SubtypeCropOptions;
export type SubtypeSegmenterTrainResult = SegmenterTrainResult;

/** bleedseg-fine: six channels; targets are stored as bytes (fraction × 255). */
function subtypeSegSpec(o: SubtypeCropOptions): SegmenterSpec<SubtypeMaskedSlice> {
  return {
    label: 'bleedseg-fine',
    outputChannels: SUBTYPE_TARGET_CHANNELS,
    build: (rng) => buildBleedSegFine({ channels: o.windows.length, size: null }, rng),
    drawBatch: (slices, n, rng) => drawSubtypeCropBatch(slices, n, o, rng),
    writeTarget: (s, out, offset) => s.target.forEach((v, k) => (out[offset + k] = v / 255)),
    rngSalt: 17,
  };
}

/** Whole-slice validation loss (no jitter, no flip, no zoom), in batches of 4. */
export function computeSubtypeValidationLoss(model: tf.LayersModel, val: readonly SubtypeMaskedSlice[], o: SubtypeCropOptions, positiveWeight: number): number {
  return computeSegmenterValidationLoss(subtypeSegSpec(o), model, val, o, positiveWeight);
}

/** Trains (or resumes) in `runDir` on the initialised backend. */
export async function trainSubtypeSegmenter(train: readonly SubtypeMaskedSlice[], val: readonly SubtypeMaskedSlice[], o: SubtypeSegmenterTrainOptions): Promise<SubtypeSegmenterTrainResult> {
  return runSegmenterTraining(subtypeSegSpec(o), train, val, o);
}
