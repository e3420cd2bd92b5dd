/**
 * `inceptionv3`: nsfwjs' pretrained InceptionV3 trunk → global average pooling → Dropout(0.3) →
 * Dense(6, sigmoid). `frozen: true` keeps the trunk's weights fixed (the capstone's best model 10);
 * otherwise the whole network is fine-tuned. For frozen training, src/train/features.ts computes
 * the pooled trunk features once and trains only the head (`inceptionv3-head`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/random.js';
import { sigmoidHead, type SymbolicTensor } from './layers-util.js';
import { loadInceptionV3Trunk } from './inceptionv3-weights.js';
import type { ArchitectureInput } from './types.js';

/** Width of the pooled InceptionV3 features (mixed10 channels). */
export const INCEPTION_FEATURES = 2048;

/** The classification head on pooled features: Dropout(0.3) → Dense(6, sigmoid). */
export function buildFeatureHead(features: number, rng: Rng): tf.LayersModel {
  const x = tf.input({ shape: [features], name: 'features' });
  const d = tf.layers.dropout({ rate: 0.3, seed: rng.int(0, 2 ** 31 - 1), name: 'head_drop' }).apply(x) as SymbolicTensor;
  return tf.model({ inputs: x, outputs: sigmoidHead(d, rng, 'head_labels'), name: 'feature-head' });
}

export async function buildInceptionV3(input: ArchitectureInput, rng: Rng, frozen: boolean): Promise<tf.LayersModel> {
  const trunk = await loadInceptionV3Trunk(input.size, input.channels);
  trunk.trainable = !frozen;
  const x = tf.input({ shape: [input.size, input.size, input.channels], name: 'image' });
  const features = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(trunk.apply(x) as SymbolicTensor) as SymbolicTensor;
  const head = buildFeatureHead(INCEPTION_FEATURES, rng);
  const out = head.apply(features) as SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: frozen ? 'inceptionv3-frozen' : 'inceptionv3' });
}
