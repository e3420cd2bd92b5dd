/**
 * `simple-cnn`: the capstone's model 1 — two Conv2D(3×3, ReLU) + MaxPool(2) stages, Flatten,
 * Dense(64, ReLU), Dropout(0.3), Dense(6, sigmoid). 32 and 64 filters. Its Flatten → Dense layer
 * dominates the parameter count (62·62·64·64 ≈ 15.7 M weights at 256 px).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/random.js';
import { glorotInit, heInit, sigmoidHead, type SymbolicTensor } from './layers-util.js';
import type { ArchitectureInput } from './types.js';

export function buildSimpleCnn(input: ArchitectureInput, rng: Rng): tf.LayersModel {
  const x = tf.input({ shape: [input.size, input.size, input.channels], name: 'image' });
  let y: SymbolicTensor = x;
  for (const [i, filters] of [32, 64].entries()) {
    y = tf.layers.conv2d({ filters, kernelSize: 3, activation: 'relu', kernelInitializer: heInit(rng), name: `conv${i + 1}` }).apply(y) as SymbolicTensor;
    y = tf.layers.maxPooling2d({ poolSize: 2, name: `pool${i + 1}` }).apply(y) as SymbolicTensor;
  }
  y = tf.layers.flatten({ name: 'flatten' }).apply(y) as SymbolicTensor;
  y = tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: glorotInit(rng), name: 'fc1' }).apply(y) as SymbolicTensor;
  y = tf.layers.dropout({ rate: 0.3, seed: rng.int(0, 2 ** 31 - 1), name: 'drop' }).apply(y) as SymbolicTensor;
  return tf.model({ inputs: x, outputs: sigmoidHead(y, rng), name: 'simple-cnn' });
}
