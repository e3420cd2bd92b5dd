/**
 * `multi-head`: the capstone's two-head model. A shared ichnet-style trunk feeds
 * - an `any` head: Dense(32, ReLU) → Dense(2, softmax) over (no bleed, bleed), whose second
 *   probability is picked out by a frozen Dense(1) with weights [0, 1] (a selection written with
 *   exportable layers only), and
 * - a subtype head: Dense(64, ReLU) → Dense(5, sigmoid) (epidural … subdural).
 * Outputs are concatenated to the usual [n, 6] in SUBTYPES order (subtypes, then `any`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/random.js';
import { convBn, glorotInit, heInit, type SymbolicTensor } from './layers-util.js';
import { residualBlock } from './ichnet.js';
import type { ArchitectureInput } from './types.js';

export function buildMultiHead(input: ArchitectureInput, rng: Rng): tf.LayersModel {
  const x = tf.input({ shape: [input.size, input.size, input.channels], name: 'image' });
  let y = convBn(x, { filters: 24, kernel: 3, strides: 2, name: 'stem' }, rng);
  for (const [i, filters] of [32, 48, 64, 96].entries()) {
    y = convBn(y, { filters, kernel: 3, strides: 2, name: `down${i + 1}` }, rng);
    y = residualBlock(y, filters, `res${i + 1}`, rng);
  }
  const features = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as SymbolicTensor;

  const anyHidden = tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: heInit(rng), name: 'any_fc' }).apply(features) as SymbolicTensor;
  const anySoftmax = tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: glorotInit(rng), name: 'any_softmax' }).apply(anyHidden) as SymbolicTensor;
  const pick = tf.layers.dense({ units: 1, useBias: false, trainable: false, kernelInitializer: 'zeros', name: 'any_pick' });
  const anyProb = pick.apply(anySoftmax) as SymbolicTensor;

  const subHidden = tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: heInit(rng), name: 'sub_fc' }).apply(features) as SymbolicTensor;
  const subProb = tf.layers.dense({ units: 5, activation: 'sigmoid', kernelInitializer: glorotInit(rng), name: 'subtypes' }).apply(subHidden) as SymbolicTensor;

  const out = tf.layers.concatenate({ axis: 1, name: 'labels' }).apply([subProb, anyProb]) as SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: out, name: 'multi-head' });
  pick.setWeights([tf.tensor2d([[0], [1]])]);
  return model;
}
