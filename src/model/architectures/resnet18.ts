/**
 * `resnet18`: He et al.'s ResNet-18 layout (7×7/2 stem, 3×3/2 max-pool, four stages of two basic
 * blocks with 64/128/256/512 channels, 1×1/2 projection shortcuts where the shape changes), global
 * average pooling and Dense(6, sigmoid). Trained from scratch (no offline ImageNet weights exist
 * for it on npm). ≈ 2.4 G multiply-adds per 256² image.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/random.js';
import { convBn, sigmoidHead, type SymbolicTensor } from './layers-util.js';
import { residualBlock } from './ichnet.js';
import type { ArchitectureInput } from './types.js';

function downBlock(x: SymbolicTensor, filters: number, name: string, rng: Rng): SymbolicTensor {
  const a = convBn(x, { filters, kernel: 3, strides: 2, name: `${name}_a` }, rng);
  const b = convBn(a, { filters, kernel: 3, relu: false, name: `${name}_b` }, rng);
  const shortcut = convBn(x, { filters, kernel: 1, strides: 2, relu: false, name: `${name}_proj` }, rng);
  const sum = tf.layers.add({ name: `${name}_add` }).apply([shortcut, b]) as SymbolicTensor;
  return tf.layers.activation({ activation: 'relu', name: `${name}_out` }).apply(sum) as SymbolicTensor;
}

export function buildResNet18(input: ArchitectureInput, rng: Rng): tf.LayersModel {
  const x = tf.input({ shape: [input.size, input.size, input.channels], name: 'image' });
  let y = convBn(x, { filters: 64, kernel: 7, strides: 2, name: 'stem' }, rng);
  y = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'stem_pool' }).apply(y) as SymbolicTensor;
  for (const [i, filters] of [64, 128, 256, 512].entries()) {
    y = i === 0 ? residualBlock(y, filters, `s${i + 1}b1`, rng) : downBlock(y, filters, `s${i + 1}b1`, rng);
    y = residualBlock(y, filters, `s${i + 1}b2`, rng);
  }
  y = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as SymbolicTensor;
  return tf.model({ inputs: x, outputs: sigmoidHead(y, rng), name: 'resnet18' });
}
