/**
 * Pretrained InceptionV3 weights, offline, from the `nsfwjs` npm package (MIT): a Keras
 * InceptionV3 (ImageNet, then fine-tuned by nsfwjs on its own classes) stored as a tfjs layers
 * model whose uint8-quantised weight shards are base64 strings inside `.min.js` UMD files.
 * nsfwjs' own loader walks the 5.6 MB strings char by char (~50 s); requiring the shard files and
 * decoding the base64 with Buffer takes ~0.3 s. We keep the convolutional trunk up to `mixed10`
 * and drop nsfwjs' classifier. Expected input: RGB-like values in [0, 1] (nsfwjs divides by 255).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ichError } from '../../core/errors.js';

interface LayerJson {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

interface NsfwModelJson {
  modelTopology: { model_config: { config: { layers: LayerJson[]; input_layers: unknown[]; output_layers: unknown[] } } } & Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** The last layer kept from nsfwjs' InceptionV3: the 2048-channel `mixed10` concatenation. */
export const INCEPTION_TRUNK_OUTPUT = 'mixed10';
/** The first convolution, whose kernel is adapted when the input has ≠ 3 channels. */
const FIRST_CONV = 'conv2d_1';

function nsfwModelDir(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('nsfwjs');
  } catch (e) {
    throw ichError('ICH_E_MODEL_NOT_FOUND', 'the nsfwjs package (InceptionV3 weights) is not installed', { cause: e });
  }
  // entry = …/nsfwjs/dist/cjs/index.js; the models sit in …/nsfwjs/dist/models (its `exports` field blocks deep imports).
  return join(dirname(entry), '..', 'models', 'inception_v3');
}

function loadJsonAndWeights(): { json: NsfwModelJson; weightData: ArrayBuffer } {
  const require = createRequire(import.meta.url);
  const dir = nsfwModelDir();
  const json = require(join(dir, 'model.min.js')) as NsfwModelJson;
  const manifest = json.weightsManifest[0];
  if (!manifest) throw ichError('ICH_E_MODEL_FORMAT', 'nsfwjs InceptionV3 has no weights manifest', { file: dir });
  const buffers = manifest.paths.map((p) => Buffer.from(String(require(join(dir, `${p}.min.js`))), 'base64'));
  const all = Buffer.concat(buffers);
  return { json, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) };
}

/**
 * The trunk's topology: input [size, size, channels], output `mixed10`, BatchNorm with a
 * trainable scale (nsfwjs' `scale: false` crashes tfjs-layers training; gamma starts at 1, which
 * is what scale: false meant), every layer trainable (freezing is the caller's choice).
 */
function trunkTopology(json: NsfwModelJson, size: number, channels: number): Record<string, unknown> {
  const cfg = structuredClone(json.modelTopology.model_config);
  const layers: LayerJson[] = [];
  for (const l of cfg.config.layers) {
    layers.push(l);
    if (l.name === INCEPTION_TRUNK_OUTPUT) break;
  }
  for (const l of layers) {
    if (l.class_name === 'InputLayer') l.config['batch_input_shape'] = [null, size, size, channels];
    if (l.class_name === 'BatchNormalization') l.config['scale'] = true;
    l.config['trainable'] = true;
  }
  cfg.config.layers = layers;
  cfg.config.output_layers = [[INCEPTION_TRUNK_OUTPUT, 0, 0]];
  return { ...json.modelTopology, model_config: cfg };
}

/**
 * Loads the pretrained InceptionV3 trunk (input [size, size, channels] in [0, 1], output
 * [h', w', 2048] from `mixed10`). For channels ≠ 3 the first kernel is tiled over the channels
 * and scaled by 3/channels, so a stack of identical channels gives the RGB model's response.
 */
export async function loadInceptionV3Trunk(size: number, channels: number): Promise<tf.LayersModel> {
  if (size < 75) throw ichError('ICH_E_USAGE', `inceptionv3 needs --size ≥ 75, got ${size}`);
  const { json, weightData } = loadJsonAndWeights();
  const specs = json.weightsManifest[0]?.weights ?? [];
  const model = await tf.models.modelFromJSON({ modelTopology: trunkTopology(json, size, channels) } as tf.io.ModelJSON);
  const weights = tf.io.decodeWeights(weightData, specs);
  const kernelName = `${FIRST_CONV}/kernel`;
  const first = weights[kernelName];
  if (first && channels !== 3) {
    const [kh, kw, , cout] = first.shape as [number, number, number, number];
    const mean = tf.mean(first, 2, true);
    weights[kernelName] = tf.mul(tf.tile(mean, [1, 1, channels, 1]), 3 / channels).reshape([kh, kw, channels, cout]);
    first.dispose();
    mean.dispose();
  }
  // Keep only the trunk's weights (nsfwjs' classifier is dropped); missing BN gammas stay at 1.
  const names = new Set(model.weights.map((w) => w.originalName));
  const kept: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(weights)) {
    if (names.has(k)) kept[k] = v;
    else v.dispose();
  }
  model.loadWeights(kept, false);
  for (const v of Object.values(kept)) v.dispose();
  return model;
}
