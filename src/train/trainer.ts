/**
 * The training loop: epochs of seeded batches from TrainingData, gradient-accumulated Adam steps
 * with a per-epoch learning-rate decay, validation on the held-out fold after every epoch
 * (metrics.jsonl), the best epoch's model kept in `<run>/model`, early stopping, and checkpoints
 * every epoch and every `checkpointMinutes` (resume after SIGKILL repeats at most that interval).
 * A fresh model's output bias starts at the logit of the training set's label shares.
 *
 * Resuming mid-epoch re-creates the epoch's image order (seeded) and skips the steps already done;
 * the loader draws that epoch's augmentation for the remaining images afresh, so a resumed epoch
 * sees the same images in the same order with different augmentation draws than an unbroken run.
 */
import * as tf from '@tensorflow/tfjs';
import { createProgress } from '../core/progress.js';
import { buildModel } from '../model/architectures/index.js';
import { lossByName } from '../model/loss.js';
import type { LoadedBatch } from '../data/index.js';
import type { TrainConfig } from './config.js';
import { initialTrainerState, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.js';
import type { TrainingData } from './data.js';
import { replaceDirAtomically, writeModelDir } from './model-io.js';
import { appendEpochRecord, BEST_MODEL_DIR, writeSummary, type EpochRecord } from './run-dir.js';
import { trainStep, type MicroBatch } from './step.js';
import { startReplica } from './replica.js';
import { labelPrior, setOutputBiasToPrior } from './prior-bias.js';
import { averageEpochPredictions, computeValidationMetrics, predictBatches, saveEpochPredictions } from './validation.js';
import { join } from 'node:path';

export interface TrainRunOptions {
  config: TrainConfig;
  runDir: string;
  data: TrainingData;
  /** Continue from `<run>/checkpoint` when it exists. */
  resume: boolean;
  /** Progress and log lines (stderr in the CLI). */
  log: NodeJS.WritableStream & { isTTY?: boolean };
  quiet?: boolean;
  /** Builds the model to train (default: the zoo's config.model for the data's channels). */
  createModel?: () => Promise<tf.LayersModel>;
  /** Turns the trained model into the one saved as `<run>/model` (default: itself). */
  exportModel?: (trained: tf.LayersModel) => Promise<tf.LayersModel>;
}

export interface TrainSummary {
  epochs: number;
  bestEpoch: number | null;
  bestValLoss: number | null;
  stoppedEarly: boolean;
  trainSeconds: number;
  steps: number;
}

interface EpochTally {
  lossSum: number;
  images: number;
}

/** Sets Adam's learning rate (a protected field in tfjs' typings, read at every step). */
function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

export async function runTraining(o: TrainRunOptions): Promise<TrainSummary> {
  const { config, runDir, data, log } = o;
  const checkpoint = o.resume ? await loadCheckpoint(runDir) : undefined;
  const model = checkpoint?.model ?? (await (o.createModel ? o.createModel() : buildModel(config.model, { size: config.size, channels: data.channels, seed: config.seed })));
  const state: TrainerState = checkpoint ? { ...checkpoint.state } : initialTrainerState();
  if (!checkpoint) setOutputBiasToPrior(model, labelPrior(data.labelsOf(data.epochIds(0)).values()));
  const optimizer = tf.train.adam(config.lr);
  if (checkpoint) {
    await checkpoint.restoreOptimizer(optimizer);
    if (!o.quiet) log.write(`resuming at epoch ${state.epoch + 1}, step ${state.stepsDone}\n`);
  }
  const lossFn = lossByName(config.loss);
  const replica = (config.replicas ?? 1) === 2 && !o.createModel ? await startReplica(model, config.backend, config.loss) : undefined;
  let summary: TrainSummary;
  try {
    const perStep = config.batch * config.accum;
    let lastCheckpoint = Date.now();
    let sessionStart = Date.now();
    const elapsed = (): number => state.trainSeconds + (Date.now() - sessionStart) / 1000;
    const checkpointNow = async (): Promise<void> => {
      state.trainSeconds = elapsed();
      sessionStart = Date.now();
      await saveCheckpoint(runDir, model, optimizer, state);
      lastCheckpoint = Date.now();
    };

    let stoppedEarly = false;
    while (!state.finished && state.epoch < config.epochs) {
      const epoch = state.epoch;
      const lr = config.lr * config.lrDecay ** epoch;
      setLearningRate(optimizer, lr);
      const ids = data.epochIds(epoch);
      const tally: EpochTally = state.tally ?? { lossSum: 0, images: 0 };
      const skip = Math.min(ids.length, state.stepsDone * perStep);
      const progress = createProgress({
        label: `epoch ${epoch + 1}/${config.epochs}`,
        total: ids.length,
        unit: 'img',
        stream: log,
        silent: o.quiet === true,
        extra: () => `loss ${(tally.lossSum / Math.max(1, tally.images)).toFixed(4)}`,
      });
      progress.setDone(skip);
      const epochStart = Date.now();
      let sessionImages = 0;
      const pending: MicroBatch[] = [];
      const step = async (): Promise<void> => {
        const n = pending.reduce((a, m) => a + m.x.shape[0], 0);
        const loss = replica ? await replica.step(model, optimizer, lossFn, pending) : trainStep(model, optimizer, lossFn, pending);
        pending.length = 0;
        tally.lossSum += loss * n;
        tally.images += n;
        sessionImages += n;
        state.stepsDone++;
        state.globalStep++;
        state.tally = tally;
        progress.tick(n);
        if (Date.now() - lastCheckpoint >= config.checkpointMinutes * 60_000) await checkpointNow();
      };
      for await (const b of data.trainBatches(ids.slice(skip), epoch) as AsyncGenerator<LoadedBatch>) {
        pending.push({ x: b.x, y: b.y });
        if (pending.length === config.accum) await step();
      }
      if (pending.length > 0) await step();
      progress.finish();
      const imgPerSec = sessionImages / Math.max(1e-9, (Date.now() - epochStart) / 1000);

      const { pred, target } = await predictBatches(model, data.validationBatches());
      const val = computeValidationMetrics(pred, target);
      saveEpochPredictions(runDir, epoch, pred);
      const averaged = config.epochWeights.length > 0 ? averageEpochPredictions(runDir, epoch, config.epochWeights) : undefined;
      const improved = state.bestValLoss === null || val.weightedLogLoss < state.bestValLoss;
      if (improved) {
        state.bestValLoss = val.weightedLogLoss;
        state.bestEpoch = epoch;
        state.epochsSinceBest = 0;
        const exported = o.exportModel ? await o.exportModel(model) : model;
        await replaceDirAtomically(join(runDir, BEST_MODEL_DIR), (dir) => writeModelDir(exported, dir));
        if (exported !== model) exported.dispose();
      } else {
        state.epochsSinceBest++;
      }
      const record: EpochRecord = {
        epoch,
        lr,
        trainLoss: tally.lossSum / Math.max(1, tally.images),
        trainImages: tally.images,
        imgPerSec,
        seconds: elapsed(),
        val,
        ...(averaged ? { valAveraged: computeValidationMetrics(averaged, target) } : {}),
        best: improved,
      };
      appendEpochRecord(runDir, record);
      if (!o.quiet) {
        const auc = val.auc.any === null ? 'n/a' : val.auc.any.toFixed(3);
        log.write(`epoch ${epoch + 1}: train loss ${record.trainLoss.toFixed(4)}, val weighted log loss ${val.weightedLogLoss.toFixed(4)}, AUC(any) ${auc}, ${imgPerSec.toFixed(1)} img/s${improved ? ' (best)' : ''}\n`);
      }
      state.epoch++;
      state.stepsDone = 0;
      delete state.tally;
      if (config.patience > 0 && state.epochsSinceBest >= config.patience && state.epoch < config.epochs) {
        stoppedEarly = true;
        if (!o.quiet) log.write(`early stop: no better validation loss for ${config.patience} epochs\n`);
        state.finished = true;
      }
      if (state.epoch >= config.epochs) state.finished = true;
      await checkpointNow();
    }
    summary = { epochs: state.epoch, bestEpoch: state.bestEpoch, bestValLoss: state.bestValLoss, stoppedEarly, trainSeconds: state.trainSeconds, steps: state.globalStep };
    writeSummary(runDir, summary);
  } finally {
    // A throwing step must not leave the replica thread keeping the process alive.
    await replica?.close();
  }
  model.dispose();
  optimizer.dispose();
  return summary;
}
