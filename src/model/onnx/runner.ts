/**
 * Inference engines: one interface ("a thing that runs a model on an NHWC batch"), implemented by
 * ONNX Runtime (the fast path: ~10× tfjs-wasm on 2 cores) and by tfjs (for models not exported
 * yet, and as the parity reference). Batches are float32 NHWC [n, h, w, c]; outputs are row-major
 * [n, outputs] (six sigmoid probabilities in SUBTYPES order for ichscan models).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type * as tf from '@tensorflow/tfjs';
import { ichError, toIchError } from '../../core/errors.js';

/** A float32 input of any rank (an NHWC `Batch<'float32'>` is one), row-major. */
export interface FloatTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export interface InferenceEngine {
  /** 'onnxruntime-cpu', 'onnxruntime-cuda' or 'tfjs-<backend>'. */
  readonly name: string;
  /** The model's declared input shape where known: numbers, or names for symbolic dimensions (e.g. 'N', 'H'). */
  readonly inputShape?: readonly (number | string)[];
  /** Runs one batch (first dimension n); returns n × outputsPerItem values, row-major. */
  run(batch: FloatTensor): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export type OnnxProvider = 'cpu' | 'cuda' | 'auto';

export interface OnnxEngineOptions {
  /** Intra-op threads; 0 (default) lets ONNX Runtime use one per core. */
  threads?: number;
  /** 'auto' (default) tries CUDA when this onnxruntime-node build has it, then CPU. */
  provider?: OnnxProvider;
  /** For error messages. */
  file?: string;
}

/** True when onnxruntime-node's CUDA provider library is installed next to its binding. */
export function cudaProviderInstalled(): boolean {
  try {
    const req = createRequire(import.meta.url);
    const dir = join(dirname(req.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(dir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

async function openSession(model: string | Uint8Array, providers: string[], threads: number): Promise<ort.InferenceSession> {
  const so: ort.InferenceSession.SessionOptions = { executionProviders: providers, intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  return typeof model === 'string' ? ort.InferenceSession.create(model, so) : ort.InferenceSession.create(model, so);
}

/** Opens an ONNX model (path or bytes) with ONNX Runtime. Throws ICH_E_MODEL_FORMAT / ICH_E_BACKEND_UNAVAILABLE. */
export async function createOnnxEngine(model: string | Uint8Array, opts: OnnxEngineOptions = {}): Promise<InferenceEngine> {
  const provider = opts.provider ?? 'auto';
  const threads = opts.threads ?? 0;
  const file = opts.file ?? (typeof model === 'string' ? model : undefined);
  let session: ort.InferenceSession | undefined;
  let used = 'cpu';
  // 'auto' tries CUDA only when its provider library sits beside the ORT binary (installed with
  // the CUDA binaries); otherwise ORT would print a native load error on every start.
  if (provider === 'cuda' || (provider === 'auto' && cudaProviderInstalled())) {
    try {
      session = await openSession(model, ['cuda'], threads);
      used = 'cuda';
    } catch (e) {
      if (provider === 'cuda') throw ichError('ICH_E_BACKEND_UNAVAILABLE', `ONNX Runtime CUDA provider: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!session) {
    try {
      session = await openSession(model, ['cpu'], threads);
    } catch (e) {
      throw toIchError(e, 'ICH_E_MODEL_FORMAT', file);
    }
  }
  const s = session;
  const inputName = s.inputNames[0] ?? 'input';
  const outputName = s.outputNames[0] ?? 'output';
  const meta = s.inputMetadata[0];
  return {
    name: `onnxruntime-${used}`,
    ...(meta?.isTensor ? { inputShape: [...meta.shape] } : {}),
    async run(batch) {
      const feeds = { [inputName]: new ort.Tensor('float32', batch.data, [...batch.shape]) };
      const result = await s.run(feeds);
      const out = result[outputName];
      if (!out || !(out.data instanceof Float32Array)) throw ichError('ICH_E_MODEL_FORMAT', 'model output is not float32', file === undefined ? {} : { file });
      return out.data;
    },
    async dispose() {
      await s.release();
    },
  };
}

/** Wraps a tfjs LayersModel as an engine (runs on whatever tfjs backend is active). */
export function createTfjsEngine(model: tf.LayersModel, tfjs: typeof tf): InferenceEngine {
  return {
    name: `tfjs-${tfjs.getBackend()}`,
    async run(batch) {
      const out = tfjs.tidy(() => model.predict(tfjs.tensor(batch.data, [...batch.shape])) as tf.Tensor);
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    async dispose() {
      /* the caller owns the model */
    },
  };
}
