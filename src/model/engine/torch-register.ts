/**
 * Registers the `torch` tfjs backend (libtorch through the native addon) and its kernels, and
 * configures threads and device. Called by initBackend('torch'); idempotent. Threads default to
 * every core (os.availableParallelism()): ATen's own default here is 1.
 */
import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { ichError } from '../../core/errors.js';
import { loadTorchAddon, type TorchAddon } from './torch-addon.js';
import { TorchBackend } from './torch-backend.js';
import { elementwiseKernelConfigs } from './torch-kernels-elementwise.js';
import { shapeKernelConfigs } from './torch-kernels-shape.js';
import { nnKernelConfigs } from './torch-kernels-nn.js';
import { registerTorchBatchNormGradient, torchBatchNormGradKernel } from './torch-batchnorm-grad.js';
import { installTorchBatchNormTraining, torchBatchNormTrainKernels } from './torch-fused-batchnorm.js';
import { registerTorchReluGradient, torchReluGradKernel } from './torch-relu-grad.js';
import { installTorchAdam, torchAdamKernel } from './torch-fused-adam.js';
import { installTorchInferenceFold } from './torch-inference-fold.js';

export type TorchDevice = 'cpu' | 'cuda';

export interface TorchOptions {
  /** Intra-op threads (default: all cores). */
  threads?: number;
  /** 'cuda' needs a CUDA build of libtorch (LIBTORCH=…) and a visible GPU. */
  device?: TorchDevice;
}

let registered = false;

/** Every kernel name the torch backend implements. */
export function torchKernelConfigs(): tf.KernelConfig[] {
  return [...elementwiseKernelConfigs(), ...shapeKernelConfigs(), ...nnKernelConfigs(), torchBatchNormGradKernel(), ...torchBatchNormTrainKernels(), torchReluGradKernel(), torchAdamKernel()];
}

/** Loads the addon, registers the backend once and applies the options; returns the addon. */
export function registerTorchBackend(o: TorchOptions = {}): TorchAddon {
  const addon = loadTorchAddon();
  if (!registered) {
    tf.registerBackend('torch', () => new TorchBackend(addon), 0);
    for (const k of torchKernelConfigs()) tf.registerKernel(k);
    registered = true;
  }
  // After every registration: initBackend('wasm') re-registers its own FusedBatchNorm gradient.
  registerTorchBatchNormGradient();
  // Fused training paths (each falls back to tfjs' own code off the torch backend). For comparisons,
  // ICHSCAN_TORCH_UNFUSED=bn,relu,adam,fold (any of them) leaves tfjs' own path in place.
  const unfused = new Set((process.env.ICHSCAN_TORCH_UNFUSED ?? '').split(','));
  if (!unfused.has('relu')) registerTorchReluGradient();
  if (!unfused.has('bn')) installTorchBatchNormTraining();
  if (!unfused.has('adam')) installTorchAdam();
  if (!unfused.has('fold')) installTorchInferenceFold();
  addon.setThreads(o.threads ?? availableParallelism());
  const device = o.device ?? 'cpu';
  if (device === 'cuda' && !addon.cudaAvailable()) {
    throw ichError('ICH_E_BACKEND_UNAVAILABLE', `torch: --device cuda needs a CUDA build of libtorch, and the libtorch ${addon.version()} built against here has none (or no GPU is visible); build with LIBTORCH=/path/to/cuda/libtorch npm run build:torch`);
  }
  addon.setDevice(device);
  return addon;
}
