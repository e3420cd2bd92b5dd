/**
 * `ichscan train --db <index> --model <name> --out <run>` (or `--resume <run>`): trains a model
 * on the index's folds, validating on the held-out fold each epoch (see docs/commands/train.md).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { getBool, getInt, getNumber, getString, requireString } from '../args.js';
import type { Command } from '../command.js';
import { MODEL_FLAGS, parseTorchOptions } from './model-flags.js';
import { ichError } from '../../core/errors.js';
import { parseWindowList } from '../../core/windows.js';
import { DEFAULT_ARCHITECTURE, parseArchitectureName, usesFrozenTrunk } from '../../model/architectures/index.js';
import { assembleFullModel, buildHeadTrainingModel, prepareFeatureData } from '../../train/frozen-trunk.js';
import { initBackend, parseBackendName } from '../../model/engine/index.js';
import { LOSS_NAMES, type LossName } from '../../model/loss.js';
import { parseAugmentSpec, parseEpochWeights, validateTrainConfig, type TrainConfig } from '../../train/config.js';
import { openTrainingData } from '../../train/data.js';
import { createRunDir, readRunConfig } from '../../train/run-dir.js';
import { runTraining } from '../../train/trainer.js';
import { parseSamplingSpec } from '../../data/index.js';

function configFromFlags(args: Parameters<Command['run']>[0], cwd: string): TrainConfig {
  const loss = getString(args, 'loss') ?? 'kaggle';
  if (!(LOSS_NAMES as readonly string[]).includes(loss)) throw ichError('ICH_E_USAGE', `--loss must be one of ${LOSS_NAMES.join('|')}`);
  const context = getInt(args, 'context', 0, 1) ?? 0;
  const windows = getString(args, 'windows') ?? 'bss';
  parseWindowList(windows);
  const sampling = getString(args, 'sampling') ?? 'all';
  parseSamplingSpec(sampling);
  const augment = getString(args, 'augment') ?? 'none';
  parseAugmentSpec(augment);
  const cache = getString(args, 'cache');
  return validateTrainConfig({
    db: resolve(cwd, requireString(args, 'db')),
    model: parseArchitectureName(getString(args, 'model') ?? DEFAULT_ARCHITECTURE),
    size: getInt(args, 'size', 16, 1024) ?? 256,
    windows,
    context: context === 1 ? 1 : 0,
    epochs: getInt(args, 'epochs', 1, 100000) ?? 5,
    batch: getInt(args, 'batch', 1, 4096) ?? 16,
    accum: getInt(args, 'accum', 1, 4096) ?? 1,
    lr: getNumber(args, 'lr') ?? 5e-4,
    lrDecay: getNumber(args, 'lr-decay') ?? 0.8,
    fold: getInt(args, 'fold', 0, 1000) ?? 0,
    sampling,
    augment,
    loss: loss as LossName,
    seed: getInt(args, 'seed', 0, 0xffffffff) ?? 0,
    backend: parseBackendName(getString(args, 'backend') ?? 'wasm'),
    patience: getInt(args, 'patience', 0, 100000) ?? 0,
    checkpointMinutes: getNumber(args, 'checkpoint-minutes') ?? 10,
    epochWeights: parseEpochWeights(getString(args, 'epoch-weights') ?? 'none'),
    workers: getInt(args, 'workers', 0, 64) ?? Math.max(1, availableParallelism() - 1),
    replicas: getInt(args, 'replicas', 1, 2) === 2 ? 2 : 1,
    ...(cache !== undefined ? { cacheDir: resolve(cwd, cache) } : {}),
    maxImagesPerEpoch: getInt(args, 'max-images', 0, 1e9) ?? 0,
  });
}

export const trainCommand: Command = {
  spec: {
    name: 'train',
    summary: 'Train a model on an index (patient-grouped folds), validating each epoch',
    usage: 'ichscan train --db <index> --model <name> --out <run> [options]   |   ichscan train --resume <run>',
    flags: {
      ...MODEL_FLAGS,
      db: { type: 'string', arg: '<file>', help: 'Index database (`ichscan index` + `ichscan split`)' },
      windows: { type: 'string', arg: '<spec>', help: 'Window stack: bss, bsb, or presets/L,W joined by + or , (default bss)' },
      context: { type: 'number', arg: '<0|1>', help: '1 = stack slices s−1, s, s+1 as channels (2.5D) (default 0)' },
      epochs: { type: 'number', arg: '<n>', help: 'Epochs (default 5)' },
      accum: { type: 'number', arg: '<k>', help: 'Micro-batches per optimizer step; effective batch = batch·accum (default 1)' },
      lr: { type: 'number', arg: '<rate>', help: 'Adam learning rate (default 5e-4)' },
      'lr-decay': { type: 'number', arg: '<f>', help: 'Learning rate × f after each epoch (default 0.8)' },
      fold: { type: 'number', arg: '<k>', help: 'Validation fold; the other folds train (default 0)' },
      sampling: { type: 'string', arg: '<spec>', help: 'all | capstone | balanced[:N] | resample:negative=0.35,any=0.5,x:any=2 (default all)' },
      augment: { type: 'string', arg: '<spec>', help: 'none | light | capstone | robust | flip=0.5,rot=10,scale=0.1,shift=8,crop=0.9,hu=5,huscale=0.05 (default none)' },
      loss: { type: 'string', arg: '<name>', help: `Training loss: ${LOSS_NAMES.join(' | ')} (kaggle = weighted log loss, default)` },
      patience: { type: 'number', arg: '<n>', help: 'Early stop after n epochs without a better validation loss (0 = off, default)' },
      'checkpoint-minutes': { type: 'number', arg: '<m>', help: 'Minutes between mid-epoch checkpoints (default 10)' },
      'epoch-weights': { type: 'string', arg: '<w,...>', help: 'Average validation predictions over epochs with these weights (capstone = 0,1,2,4,6; default none)' },
      workers: { type: 'number', arg: '<n>', help: 'Loader worker threads (default cores − 1; 0 = main thread)' },
      cache: { type: 'string', arg: '<dir>', help: 'Tensor cache folder for the loader; also holds inceptionv3-frozen feature caches (default: beside the index)' },
      'max-images': { type: 'number', arg: '<n>', help: 'Cap training images per epoch (0 = all, default)' },
      out: { type: 'string', arg: '<dir>', help: 'Run folder to create' },
      resume: { type: 'string', arg: '<dir>', help: 'Continue the run in this folder from its last checkpoint' },
      force: { type: 'boolean', help: 'Start over in a non-empty --out folder' },
      json: { type: 'boolean', help: 'Print the summary as JSON: {"epochs","bestEpoch","bestValLoss","stoppedEarly","trainSeconds","steps"}' },
      quiet: { type: 'boolean', help: 'No progress lines' },
    },
  },
  async run(args, io) {
    const resumeDir = getString(args, 'resume');
    const runDir = resolve(io.cwd, resumeDir ?? requireString(args, 'out'));
    const config = resumeDir !== undefined ? readRunConfig(runDir) : configFromFlags(args, io.cwd);
    // Open the data first: a bad index must not leave a half-made run folder behind.
    const data = openTrainingData(config);
    try {
      if (resumeDir === undefined) createRunDir(runDir, config, getBool(args, 'force'));
      await initBackend(config.backend, parseTorchOptions(args));
      const quiet = getBool(args, 'quiet');
      const common = { config, runDir, resume: resumeDir !== undefined, log: io.stderr, quiet };
      let summary;
      if (usesFrozenTrunk(config.model)) {
        // Fast transfer learning: cached trunk features, head-only training, full model exported.
        if (config.augment !== 'none' && !quiet) io.stderr.write('note: the frozen-trunk path trains on cached features of unaugmented images; --augment is ignored\n');
        const features = await prepareFeatureData(config, data, io.stderr, quiet);
        summary = await runTraining({
          ...common,
          data: features,
          createModel: async () => buildHeadTrainingModel(config.seed),
          exportModel: (head) => assembleFullModel(head, config, data.channels),
        });
      } else {
        summary = await runTraining({ ...common, data });
      }
      if (getBool(args, 'json')) io.stdout.write(`${JSON.stringify(summary)}\n`);
      else io.stdout.write(`trained ${summary.epochs} epochs; best epoch ${summary.bestEpoch === null ? '-' : summary.bestEpoch + 1}, val weighted log loss ${summary.bestValLoss?.toFixed(4) ?? '-'}; model in ${runDir}/model\n`);
      return 0;
    } finally {
      await data.close();
    }
  },
};
