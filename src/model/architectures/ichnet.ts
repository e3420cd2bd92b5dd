/**
 * `ichnet`: the small efficient default for CPU training — a stride-2 stem and four stride-2
 * stages (24 → 32 → 48 → 64 → 96 channels), each a Conv-BN-ReLU downsampling unit followed by
 * one residual block of two 3×3 Conv-BN units, then global average pooling, Dropout(0.2) and
 * Dense(6, sigmoid). ≈ 0.2 G multiply-adds per 256² image (vs 5.7 G for InceptionV3).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/random.js';
import { convBn, sigmoidHead, type SymbolicTensor } from './layers-util.js';
import type { ArchitectureInput } from './types.js';

/** Two 3×3 conv-BN units with an identity shortcut (channels unchanged), ReLU after the add. */
export function residualBlock(x: SymbolicTensor, filters: number, name: string, rng: Rng): SymbolicTensor {
  const a = convBn(x, { filters, kernel: 3, name: `${name}_a` }, rng);
  const b = convBn(a, { filters, kernel: 3, relu: false, name: `${name}_b` }, rng);
  const sum = tf.layers.add({ name: `${name}_add` }).apply([x, b]) as SymbolicTensor;
  return tf.layers.activation({ activation: 'relu', name: `${name}_out` }).apply(sum) as SymbolicTensor;
}

export function buildIchNet(input: ArchitectureInput, rng: Rng): tf.LayersModel {
  const x = tf.input({ shape: [input.size, input.size, input.channels], name: 'image' });
  let y = convBn(x, { filters: 24, kernel: 3, strides: 2, name: 'stem' }, rng);
  for (const [i, filters] of [32, 48, 64, 96].entries()) {
    y = convBn(y, { filters, kernel: 3, strides: 2, name: `down${i + 1}` }, rng);
    y = residualBlock(y, filters, `res${i + 1}`, rng);
  }
  y = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as SymbolicTensor;
  y = tf.layers.dropout({ rate: 0.2, seed: rng.int(0, 2 ** 31 - 1), name: 'drop' }).apply(y) as SymbolicTensor;
  return tf.model({ inputs: x, outputs: sigmoidHead(y, rng), name: 'ichnet' });
}
