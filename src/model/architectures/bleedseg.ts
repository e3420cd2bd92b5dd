/**
 * `bleedseg`: a small fully convolutional blood segmenter, trained on the synthetic studies'
 * per-pixel masks (ichscan synth knows where it put every drop of blood). Input NHWC
 * [n, S, S, windows] in [0, 1]; output [n, S/4, S/4, 1], the blood probability of each 4×4 block
 * (≈ 3.6 mm at 256 px for a 230 mm field).
 *
 * Layout: conv 3×3 (16) at full resolution; stride-2 conv (24), conv (32); stride-2 conv (32);
 * four 3×3 convs (48) at 1/4 resolution; a 1×1 sigmoid output. Receptive field 45 px (≈ 40 mm),
 * wide enough to see the inner table beside a thin subdural crescent. (Dilated convolutions would
 * keep a finer map, but tfjs has no gradient for dilation > 1.) No pooling and no upsampling, so
 * any input size works — the model trains on 128² crops and runs on whole 256² slices — and every
 * layer is one the ONNX exporter converts. ≈ 0.55 G multiply-adds per 256² slice, 97 k parameters.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/random.js';
import { convBn, glorotInit, type SymbolicTensor } from './layers-util.js';

export interface BleedSegInput {
  /** Input channels (windows). */
  channels: number;
  /** Input height = width; null for a model that takes any size (training on crops). */
  size: number | null;
}

/** Output map stride relative to the input. */
export const BLEEDSEG_STRIDE = 4;

export function buildBleedSeg(input: BleedSegInput, rng: Rng): tf.LayersModel {
  const x = tf.input({ shape: [input.size, input.size, input.channels], name: 'image' });
  let y = convBn(x, { filters: 16, kernel: 3, name: 'stem' }, rng);
  y = convBn(y, { filters: 24, kernel: 3, strides: 2, name: 'down1' }, rng);
  y = convBn(y, { filters: 32, kernel: 3, name: 'mid1' }, rng);
  y = convBn(y, { filters: 32, kernel: 3, strides: 2, name: 'down2' }, rng);
  for (let i = 1; i <= 4; i++) y = convBn(y, { filters: 48, kernel: 3, name: `ctx${i}` }, rng);
  // bias starts at the logit of a 2 % blood prior, so early steps do not spend themselves on the base rate
  const out = tf.layers
    .conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: glorotInit(rng), biasInitializer: tf.initializers.constant({ value: Math.log(0.02 / 0.98) }), name: 'blood' })
    .apply(y) as SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: 'bleedseg' });
}
