/**
 * Derives a pretrained trunk as ONNX at first use, from an installed npm package, into the user's
 * cache (never downloaded, never committed: the InceptionV3 trunk is ~90 MB as float32).
 * `nsfwjs-inceptionv3-gap`: nsfwjs' InceptionV3 up to `mixed10`, then global average pooling:
 * [n, size, size, 3] in [0, 1] → [n, 2048]. Takes a few seconds once; later runs reuse the file.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SymbolicTensor } from '@tensorflow/tfjs';
import { ichError } from '../../core/errors.js';

/** `$ICHSCAN_CACHE`, else `~/.cache/ichscan`. */
export function ichscanCacheDir(): string {
  return process.env['ICHSCAN_CACHE'] ?? join(homedir(), '.cache', 'ichscan');
}

export type TrunkRecipe = 'nsfwjs-inceptionv3-gap' | 'nsfwjs-inceptionv3-multigap';

/**
 * `multigap`: global average pools of four depths concatenated — mixed2 (288), mixed5 (768),
 * mixed7 (768), mixed10 (2048) = 3872 features; mid-level texture features transfer to CT better
 * than the last, most ImageNet/NSFW-specific block alone.
 */
export const MULTIGAP_LAYERS = ['mixed2', 'mixed5', 'mixed7', 'mixed10'] as const;

export function trunkFeatureCount(recipe: TrunkRecipe): number {
  return recipe === 'nsfwjs-inceptionv3-gap' ? 2048 : 288 + 768 + 768 + 2048;
}

/** Path of the derived trunk for a recipe, input size and channel count. */
export function derivedTrunkPath(recipe: TrunkRecipe, size: number, channels: number): string {
  return join(ichscanCacheDir(), 'trunks', `${recipe}-${size}px-${channels}ch.onnx`);
}

/**
 * Returns the path of the derived trunk, building it first when absent. `onStatus` receives one
 * line when a build starts (it takes seconds, so the user should know why).
 */
export async function ensureDerivedTrunk(recipe: TrunkRecipe, size: number, channels: number, onStatus?: (line: string) => void): Promise<string> {
  const file = derivedTrunkPath(recipe, size, channels);
  if (existsSync(file)) return file;
  if (recipe !== 'nsfwjs-inceptionv3-gap' && recipe !== 'nsfwjs-inceptionv3-multigap') throw ichError('ICH_E_MODEL_FORMAT', `unknown trunk recipe ${String(recipe)}`);
  onStatus?.(`deriving the InceptionV3 trunk from the nsfwjs package into ${file} (once)`);
  const tf = await import('@tensorflow/tfjs');
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const { loadInceptionV3Trunk } = await import('../architectures/index.js');
  const { exportLayersModelToOnnx } = await import('./export.js');
  const trunk = await loadInceptionV3Trunk(size, channels);
  let model;
  if (recipe === 'nsfwjs-inceptionv3-gap') {
    const x = tf.input({ shape: [size, size, channels], name: 'image' });
    const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(trunk.apply(x) as SymbolicTensor) as SymbolicTensor;
    model = tf.model({ inputs: x, outputs: pooled, name: recipe });
  } else {
    const pools = MULTIGAP_LAYERS.map((l) => tf.layers.globalAveragePooling2d({ name: `gap_${l}` }).apply(trunk.getLayer(l).output as SymbolicTensor) as SymbolicTensor);
    const cat = tf.layers.concatenate({ name: 'gap_concat' }).apply(pools) as SymbolicTensor;
    model = tf.model({ inputs: trunk.inputs, outputs: cat, name: recipe });
  }
  const bytes = exportLayersModelToOnnx(model, { docString: `${recipe} ${size}px ${channels}ch, derived from nsfwjs` });
  model.dispose();
  mkdirSync(join(ichscanCacheDir(), 'trunks'), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  return file;
}
