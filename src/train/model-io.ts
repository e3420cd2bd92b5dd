/**
 * Model weights on disk in tfjs' layers format, without `file://` handlers (plain @tensorflow/tfjs
 * has none): `model.json` (topology + weight manifest, as tfjs-converter writes it) and
 * `weights.bin`. Written through tf.io.withSaveHandler, read through tf.io.fromMemory. This is the
 * format H-infer's ONNX exporter reads from a run folder's `model/`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ichError } from '../core/errors.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function weightBytes(data: tf.io.ModelArtifacts['weightData']): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (Array.isArray(data)) return Buffer.concat(data.map((b) => new Uint8Array(b)));
  return new Uint8Array(data as ArrayBuffer);
}

/** Serialises a model's topology and weights (in memory). */
export async function serializeModel(model: tf.LayersModel): Promise<{ json: string; weights: Uint8Array }> {
  let out: { json: string; weights: Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const manifest = [{ paths: [WEIGHTS_BIN], weights: a.weightSpecs ?? [] }];
      out = { json: JSON.stringify({ format: 'layers-model', generatedBy: 'ichscan', modelTopology: a.modelTopology, weightsManifest: manifest }), weights: weightBytes(a.weightData) };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!out) throw ichError('ICH_E_CHECKPOINT', 'tfjs did not hand over the model artifacts');
  return out;
}

/** Writes `dir/model.json` + `dir/weights.bin` (the folder is created; files replaced). */
export async function writeModelDir(model: tf.LayersModel, dir: string): Promise<void> {
  const { json, weights } = await serializeModel(model);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, WEIGHTS_BIN), weights);
  writeFileSync(join(dir, MODEL_JSON), json);
}

/** Builds a model from serializeModel's output (in memory). */
export async function deserializeModel(json: string, weights: Uint8Array): Promise<tf.LayersModel> {
  const parsed = JSON.parse(json) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const specs = parsed.weightsManifest.flatMap((m) => m.weights);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs: specs, weightData }));
}

/** Loads a model written by writeModelDir. Throws ICH_E_MODEL_NOT_FOUND / ICH_E_MODEL_FORMAT. */
export async function readModelDir(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, MODEL_JSON);
  if (!existsSync(jsonPath)) throw ichError('ICH_E_MODEL_NOT_FOUND', 'no model.json', { file: dir });
  try {
    return await deserializeModel(readFileSync(jsonPath, 'utf8'), readFileSync(join(dir, WEIGHTS_BIN)));
  } catch (e) {
    throw ichError('ICH_E_MODEL_FORMAT', e instanceof Error ? e.message : String(e), { file: dir, cause: e });
  }
}

/**
 * Replaces folder `target` by a freshly written one atomically enough for a SIGKILL at any point:
 * write into `target.tmp`, move the old folder to `target.old`, rename, delete the old one.
 * A reader that finds no `target` falls back to `target.old` (see resolveAtomicDir).
 */
export async function replaceDirAtomically(target: string, write: (dir: string) => Promise<void> | void): Promise<void> {
  const tmp = `${target}.tmp`;
  const old = `${target}.old`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await write(tmp);
  if (existsSync(target)) {
    rmSync(old, { recursive: true, force: true });
    renameSync(target, old);
  }
  renameSync(tmp, target);
  rmSync(old, { recursive: true, force: true });
}

/** The folder to read after a possible kill during replaceDirAtomically, or undefined. */
export function resolveAtomicDir(target: string): string | undefined {
  if (existsSync(target)) return target;
  if (existsSync(`${target}.old`)) return `${target}.old`;
  return undefined;
}
