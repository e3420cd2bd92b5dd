/**
 * The model zoo, by name. Every model maps [n, size, size, channels] images with values in
 * [0, 1] to [n, 6] probabilities in SUBTYPES order (epidural … any). Builders are seeded: the
 * same seed gives the same initial weights.
 */
import type * as tf from '@tensorflow/tfjs';
import { createRng } from '../../core/random.js';
import { ichError } from '../../core/errors.js';
import { buildSimpleCnn } from './simple-cnn.js';
import { buildMultiHead } from './multi-head.js';
import { buildIchNet } from './ichnet.js';
import { buildResNet18 } from './resnet18.js';
import { buildInceptionV3 } from './inceptionv3.js';
import type { ArchitectureInput } from './types.js';

export const ARCHITECTURES = {
  ichnet: 'small residual CNN for CPU (default), ~0.2 G multiply-adds at 256 px',
  'simple-cnn': "the capstone's model 1: 2×(Conv2D + MaxPool) + 2 Dense",
  'multi-head': 'softmax `any` head + sigmoid subtype head on a shared ichnet trunk',
  resnet18: 'ResNet-18 from scratch',
  inceptionv3: 'InceptionV3 pretrained (nsfwjs weights), fine-tuned end to end',
  'inceptionv3-frozen': "InceptionV3 pretrained, frozen trunk, trained head (the capstone's model 10)",
} as const;

export type ArchitectureName = keyof typeof ARCHITECTURES;
export const DEFAULT_ARCHITECTURE: ArchitectureName = 'ichnet';

export function isArchitectureName(s: string): s is ArchitectureName {
  return Object.hasOwn(ARCHITECTURES, s);
}

export function parseArchitectureName(s: string): ArchitectureName {
  if (!isArchitectureName(s)) throw ichError('ICH_E_USAGE', `unknown model "${s}" (one of ${Object.keys(ARCHITECTURES).join(', ')})`);
  return s;
}

export interface BuildOptions extends ArchitectureInput {
  /** Seed of the initial weights. */
  seed: number;
}

/** Builds a model by name (InceptionV3 loads its pretrained trunk from the nsfwjs package). */
export async function buildModel(name: ArchitectureName, opts: BuildOptions): Promise<tf.LayersModel> {
  const rng = createRng(opts.seed);
  const input = { size: opts.size, channels: opts.channels };
  switch (name) {
    case 'ichnet':
      return buildIchNet(input, rng);
    case 'simple-cnn':
      return buildSimpleCnn(input, rng);
    case 'multi-head':
      return buildMultiHead(input, rng);
    case 'resnet18':
      return buildResNet18(input, rng);
    case 'inceptionv3':
      return buildInceptionV3(input, rng, false);
    case 'inceptionv3-frozen':
      return buildInceptionV3(input, rng, true);
  }
}

/** True for models whose frozen trunk lets training run on cached pooled features. */
export function usesFrozenTrunk(name: ArchitectureName): boolean {
  return name === 'inceptionv3-frozen';
}

export { countMultiplyAdds } from './layers-util.js';
export { buildFeatureHead, INCEPTION_FEATURES } from './inceptionv3.js';
export { loadInceptionV3Trunk } from './inceptionv3-weights.js';
export type { ArchitectureInput } from './types.js';
