/**
 * Training data for a run, from H-data's index and loader (no loading code lives here): the
 * training items are every labelled image outside the validation fold and the holdout; each
 * epoch's order comes from the seeded sampler; batches come from the worker-thread loader, which
 * runs decoding/preprocessing on the second core while the trainer computes on this one.
 */
import type { ImageId } from '../core/ids.js';
import { parseWindowList } from '../core/windows.js';
import { ichError } from '../core/errors.js';
import {
  createBatchLoader,
  HOLDOUT_FOLD,
  labelBitsToVector,
  openIndexDb,
  parseSamplingSpec,
  readDataset,
  sampleEpoch,
  toSampleItems,
  type BatchLoader,
  type LoadedBatch,
} from '../data/index.js';
import { parseAugmentSpec, type TrainConfig } from './config.js';

/** What the trainer consumes: ordered ids per epoch and batches for any id list. */
export interface TrainingData {
  /** Channels per image (windows × context). */
  readonly channels: number;
  readonly trainCount: number;
  /** Validation image ids, fixed order. */
  readonly validationIds: readonly ImageId[];
  /** The training ids of epoch `epoch`, in visiting order (seeded by config seed and epoch). */
  epochIds(epoch: number): ImageId[];
  /** Augmented training batches of `ids`. */
  trainBatches(ids: readonly ImageId[], epoch: number): AsyncGenerator<LoadedBatch>;
  /** Unaugmented validation batches, in validationIds order. */
  validationBatches(): AsyncGenerator<LoadedBatch>;
  /** Unaugmented batches of any indexed images (e.g. to compute cached trunk features). */
  plainBatches(ids: readonly ImageId[]): AsyncGenerator<LoadedBatch>;
  /** Six-label targets of images (SUBTYPES order; NaN when unlabelled), from the index. */
  labelsOf(ids: readonly string[]): Map<string, Float32Array>;
  close(): Promise<void>;
}

/** Opens the index of `config.db` and builds the fold's training and validation streams. */
export function openTrainingData(config: TrainConfig): TrainingData {
  const db = openIndexDb(config.db, { readonly: true });
  try {
    const train = readDataset(db, { excludeFolds: [config.fold, HOLDOUT_FOLD] });
    const val = readDataset(db, { folds: [config.fold] });
    const everything = readDataset(db, {});
    if (train.items.length === 0) throw ichError('ICH_E_EMPTY_DATASET', `no labelled training images outside fold ${config.fold}`, { file: config.db });
    if (val.items.length === 0) throw ichError('ICH_E_EMPTY_DATASET', `validation fold ${config.fold} is empty (run \`ichscan split\` with more folds?)`, { file: config.db });
    const sampling = parseSamplingSpec(config.sampling);
    const preprocess = { size: config.size, windows: parseWindowList(config.windows) };
    const common = {
      batchSize: config.batch,
      preprocess,
      context: config.context,
      seed: config.seed,
      workers: config.workers,
      ...(config.cacheDir !== undefined ? { cacheDir: config.cacheDir } : {}),
    };
    const augment = parseAugmentSpec(config.augment);
    const trainLoader: BatchLoader = createBatchLoader({ ...common, dataset: train, augment });
    const valLoader: BatchLoader = createBatchLoader({ ...common, dataset: val });
    const sampleItems = toSampleItems(train.items);
    const validationIds = val.items.map((it) => it.id);
    let plainLoader: BatchLoader | undefined;
    return {
      channels: trainLoader.channels,
      trainCount: train.items.length,
      validationIds,
      epochIds(epoch) {
        const ids = sampleEpoch(sampleItems, sampling, config.seed, epoch);
        return config.maxImagesPerEpoch > 0 ? ids.slice(0, config.maxImagesPerEpoch) : ids;
      },
      trainBatches: (ids, epoch) => trainLoader.iterate(ids, epoch),
      validationBatches: () => valLoader.iterate(validationIds, 0),
      plainBatches(ids) {
        // A loader over every indexed image, made on first use (only the frozen-trunk path needs it).
        plainLoader ??= createBatchLoader({ ...common, dataset: everything });
        return plainLoader.iterate(ids, 0);
      },
      labelsOf(ids) {
        const out = new Map<string, Float32Array>();
        for (const id of ids) {
          const bits = everything.byId.get(id as ImageId)?.bits;
          out.set(id, bits === null || bits === undefined ? new Float32Array(6).fill(Number.NaN) : Float32Array.from(labelBitsToVector(bits)));
        }
        return out;
      },
      async close() {
        await Promise.all([trainLoader.close(), valLoader.close(), plainLoader?.close()]);
      },
    };
  } finally {
    db.close();
  }
}
