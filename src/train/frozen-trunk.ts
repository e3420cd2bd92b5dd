/**
 * Fast transfer learning for `inceptionv3-frozen` (the capstone's model 10): the frozen
 * InceptionV3 trunk's pooled features are computed once per image (cached, src/train/features.ts);
 * the trainer then trains only the head (Dropout + Dense(6, sigmoid)) on [n, 1, 1, 2048] feature
 * "images". The run's `model/` holds the full image → probabilities model (trunk + trained head),
 * so inference and export see the same network as `inceptionv3-frozen` built directly.
 */
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/random.js';
import type { ImageId } from '../core/ids.js';
import type { LoadedBatch } from '../data/index.js';
import { buildFeatureHead, buildModel, INCEPTION_FEATURES, loadInceptionV3Trunk } from '../model/architectures/index.js';
import type { TrainConfig } from './config.js';
import type { TrainingData } from './data.js';
import { fillFeatureStore, openFeatureStore, type FeatureStore } from './features.js';

/** Name of the nested head model inside both the training model and the full model. */
const HEAD_NAME = 'feature-head';

/** Where a run's feature cache lives unless --cache is given: beside the index. */
export function defaultFeatureDir(config: TrainConfig): string {
  return join(config.cacheDir ?? dirname(config.db), '.ichscan-features');
}

/** The cache key: every setting that changes the features. */
export function featureKey(config: TrainConfig, channels: number): string {
  return `inceptionv3-mixed10-gap_s${config.size}_w${config.windows.replace(/[^a-z0-9]+/gi, '-')}_c${config.context}_ch${channels}`;
}

/** The head-training model: [1, 1, 2048] features → flatten → head. */
export function buildHeadTrainingModel(seed: number): tf.LayersModel {
  const x = tf.input({ shape: [1, 1, INCEPTION_FEATURES], name: 'features_map' });
  const flat = tf.layers.flatten({ name: 'features_flat' }).apply(x) as tf.SymbolicTensor;
  const head = buildFeatureHead(INCEPTION_FEATURES, createRng(seed));
  return tf.model({ inputs: x, outputs: head.apply(flat) as tf.SymbolicTensor, name: 'inceptionv3-head' });
}

/** The full `inceptionv3-frozen` model with the head weights of a trained head-training model. */
export async function assembleFullModel(headModel: tf.LayersModel, config: TrainConfig, channels: number): Promise<tf.LayersModel> {
  const full = await buildModel('inceptionv3-frozen', { size: config.size, channels, seed: config.seed });
  full.getLayer(HEAD_NAME).setWeights(headModel.getLayer(HEAD_NAME).getWeights());
  return full;
}

function featureBatches(store: FeatureStore, ids: readonly ImageId[], batch: number, targets: Map<string, Float32Array>): AsyncGenerator<LoadedBatch> {
  const w = store.width;
  return (async function* () {
    for (let i = 0; i < ids.length; i += batch) {
      const part = ids.slice(i, i + batch).filter((id) => store.has(id));
      if (part.length === 0) continue;
      const x = new Float32Array(part.length * w);
      const y = new Float32Array(part.length * 6);
      part.forEach((id, j) => {
        x.set(store.get(id) as Float32Array, j * w);
        y.set(targets.get(id) ?? new Float32Array(6).fill(Number.NaN), j * 6);
      });
      yield { x: { dtype: 'float32', data: x, shape: [part.length, 1, 1, w] }, y, ids: part };
    }
  })();
}

/**
 * Computes (or reuses) the trunk features of every training and validation image and returns a
 * TrainingData over them (targets from the index's labels).
 */
export async function prepareFeatureData(config: TrainConfig, data: TrainingData, log: NodeJS.WritableStream & { isTTY?: boolean }, quiet: boolean): Promise<TrainingData> {
  const store = openFeatureStore(defaultFeatureDir(config), featureKey(config, data.channels), INCEPTION_FEATURES);
  const trainIds = [...new Set(data.epochIds(0))];
  for (let e = 1; e < config.epochs && config.sampling !== 'all'; e++) for (const id of data.epochIds(e)) if (!trainIds.includes(id)) trainIds.push(id);
  const all = [...trainIds, ...data.validationIds];
  const targets = data.labelsOf(all);
  const trunk = await loadInceptionV3Trunk(config.size, data.channels);
  const input = tf.input({ shape: [config.size, config.size, data.channels] });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(trunk.apply(input) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const featureModel = tf.model({ inputs: input, outputs: pooled });
  await fillFeatureStore(store, all, featureModel, (missing) => data.plainBatches(missing as ImageId[]), log, quiet);
  featureModel.dispose();
  return {
    channels: INCEPTION_FEATURES,
    trainCount: data.trainCount,
    validationIds: data.validationIds,
    epochIds: (epoch) => data.epochIds(epoch),
    trainBatches: (ids) => featureBatches(store, ids, config.batch, targets),
    validationBatches: () => featureBatches(store, data.validationIds, config.batch, targets),
    plainBatches: (ids) => featureBatches(store, ids, config.batch, targets),
    labelsOf: (ids) => data.labelsOf(ids),
    close: () => data.close(),
  };
}
