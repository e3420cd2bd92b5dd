/**
 * Training checkpoints: `<run>/checkpoint/` holds the model (model.json + weights.bin), the
 * optimizer's slots (Adam moments + iteration count: optimizer.json + optimizer.bin, restored by
 * position, so the model must be rebuilt identically — it is, from config.json) and the trainer's
 * position (state.json: epoch, batches done in it, best validation loss, history). Written
 * atomically (see replaceDirAtomically): a SIGKILL loses at most the work since the last one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ichError } from '../core/errors.js';
import { readModelDir, replaceDirAtomically, resolveAtomicDir, writeModelDir } from './model-io.js';

export const CHECKPOINT_DIR = 'checkpoint';

export interface TrainerState {
  /** Epoch in progress (0-based). */
  epoch: number;
  /** Optimizer steps finished in that epoch (its first batchesDone·accum batches are done). */
  stepsDone: number;
  /** Steps over the whole run. */
  globalStep: number;
  bestValLoss: number | null;
  bestEpoch: number | null;
  /** Epochs since the best one (early stopping). */
  epochsSinceBest: number;
  /** Training seconds so far (all sessions). */
  trainSeconds: number;
  /** True once training ended (all epochs or early stop). */
  finished: boolean;
  /** Running training-loss sum and image count of the epoch in progress. */
  tally?: { lossSum: number; images: number };
}

export function initialTrainerState(): TrainerState {
  return { epoch: 0, stepsDone: 0, globalStep: 0, bestValLoss: null, bestEpoch: null, epochsSinceBest: 0, trainSeconds: 0, finished: false };
}

/** Writes model + optimizer + state into `<run>/checkpoint` atomically. */
export async function saveCheckpoint(runDir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: TrainerState): Promise<void> {
  const slots = await optimizer.getWeights();
  const encoded = await tf.io.encodeWeights(slots);
  await replaceDirAtomically(join(runDir, CHECKPOINT_DIR), async (dir) => {
    await writeModelDir(model, dir);
    writeFileSync(join(dir, 'optimizer.bin'), new Uint8Array(encoded.data));
    writeFileSync(join(dir, 'optimizer.json'), JSON.stringify(encoded.specs));
    writeFileSync(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  });
}

export interface LoadedCheckpoint {
  model: tf.LayersModel;
  state: TrainerState;
  /** Restores the optimizer's slots (call after the optimizer exists). */
  restoreOptimizer(optimizer: tf.Optimizer): Promise<void>;
}

/** Reads `<run>/checkpoint` (or its `.old` twin after a kill mid-write); undefined when none exists. */
export async function loadCheckpoint(runDir: string): Promise<LoadedCheckpoint | undefined> {
  const dir = resolveAtomicDir(join(runDir, CHECKPOINT_DIR));
  if (!dir) return undefined;
  try {
    const model = await readModelDir(dir);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TrainerState;
    const specs = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as tf.io.WeightsManifestEntry[];
    const bin = readFileSync(join(dir, 'optimizer.bin'));
    return {
      model,
      state,
      async restoreOptimizer(optimizer) {
        const map = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), specs);
        await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name] as tf.Tensor })));
      },
    };
  } catch (e) {
    throw ichError('ICH_E_CHECKPOINT', e instanceof Error ? e.message : String(e), { file: dir, cause: e });
  }
}
