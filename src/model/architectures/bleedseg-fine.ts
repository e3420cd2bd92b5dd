/**
 * `bleedseg-fine`: the localisation segmenter. A small encoder–decoder (U-Net-like, additive
 * skips) that maps NHWC [n, S, S, windows] in [0, 1] to [n, S/2, S/2, 6] sigmoid probabilities,
 * one channel per subtype then `any` (SUBTYPES order: epidural, intraparenchymal,
 * intraventricular, subarachnoid, subdural, any), for each 2×2 block of the input (≈ 1.8 mm at
 * 256 px for a 230 mm field): a 1 mm subdural crescent, 1–3 px wide at 256 px, is one or two
 * cells, where `bleedseg`'s stride-4 cell (3.6 mm) averages it away.
 *
 * Layout (S = 256): stem conv 16 @256; stride-2 conv 24, conv 24 @128 (skip A); stride-2 conv 32,
 * three convs 48 @64 (skip B); stride-2 conv 64, two convs 64 @32 (receptive field ≈ 100 px ≈
 * 90 mm: the inner table, the ventricles and the midline are in view of every cell); a 2×2
 * stride-2 transposed conv to 48 @64, + skip B, conv 48; a 2×2 stride-2 transposed conv to 24
 * @128, + skip A, conv 24; a 1×1 conv to 6 sigmoid channels. Additive skips (not concatenation)
 * keep the decoder's convs narrow. S must be a multiple of 8; any such size runs (training uses
 * 128² crops). Layers are ones the ONNX exporter converts (Conv2DTranspose → ConvTranspose).
 * ≈ 0.82 G multiply-adds per 256² slice, ~190 k parameters.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/random.js';
import { convBn, glorotInit, heInit, type SymbolicTensor } from './layers-util.js';

export interface BleedSegFineInput {
  /** Input channels (windows). */
  channels: number;
  /** Input height = width (a multiple of 8); null for a model that takes any such size. */
  size: number | null;
}

/** Output map stride relative to the input. */
export const BLEEDSEG_FINE_STRIDE = 2;
/** Input sides must be multiples of this (three stride-2 convs); an exported model then runs on any such size. */
export const BLEEDSEG_FINE_SIZE_MULTIPLE = 8;
/** Output channels: the five subtypes then `any`, SUBTYPES order. */
export const BLEEDSEG_FINE_CHANNELS = 6;

/** A 2×2 stride-2 transposed convolution (exact 2× upsampling, no padding) without bias. */
function upsample2(x: SymbolicTensor, filters: number, name: string, rng: Rng): SymbolicTensor {
  return tf.layers.conv2dTranspose({ filters, kernelSize: 2, strides: 2, padding: 'same', useBias: false, kernelInitializer: heInit(rng), name }).apply(x) as SymbolicTensor;
}

export function buildBleedSegFine(input: BleedSegFineInput, rng: Rng): tf.LayersModel {
  const x = tf.input({ shape: [input.size, input.size, input.channels], name: 'image' });
  let y = convBn(x, { filters: 16, kernel: 3, name: 'stem' }, rng);
  y = convBn(y, { filters: 24, kernel: 3, strides: 2, name: 'down1' }, rng);
  const skipA = convBn(y, { filters: 24, kernel: 3, name: 'mid1' }, rng); // @ S/2
  y = convBn(skipA, { filters: 32, kernel: 3, strides: 2, name: 'down2' }, rng);
  for (let i = 1; i <= 3; i++) y = convBn(y, { filters: 48, kernel: 3, name: `ctx${i}` }, rng);
  const skipB = y; // @ S/4
  y = convBn(y, { filters: 64, kernel: 3, strides: 2, name: 'down3' }, rng);
  for (let i = 1; i <= 2; i++) y = convBn(y, { filters: 64, kernel: 3, name: `deep${i}` }, rng); // @ S/8
  y = tf.layers.add({ name: 'skipB_add' }).apply([upsample2(y, 48, 'up3', rng), skipB]) as SymbolicTensor;
  y = convBn(y, { filters: 48, kernel: 3, name: 'dec3' }, rng);
  y = tf.layers.add({ name: 'skipA_add' }).apply([upsample2(y, 24, 'up2', rng), skipA]) as SymbolicTensor;
  y = convBn(y, { filters: 24, kernel: 3, name: 'dec2' }, rng);
  // biases start at the logit of a 1 % blood prior per channel (blood is a few per cent of a crop)
  const out = tf.layers
    .conv2d({
      filters: BLEEDSEG_FINE_CHANNELS,
      kernelSize: 1,
      activation: 'sigmoid',
      kernelInitializer: glorotInit(rng),
      biasInitializer: tf.initializers.constant({ value: Math.log(0.01 / 0.99) }),
      name: 'subtypes',
    })
    .apply(y) as SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: 'bleedseg-fine' });
}
