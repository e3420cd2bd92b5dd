/**
 * Compute backends for training and tfjs inference, selected by name:
 * - `wasm` (default): tfjs-backend-wasm, SIMD on, one thread in Node (tfjs forces its
 *   multithreading flag off there); ichscan registers its own gradient kernels so CNNs can train.
 * - `cpu`: tfjs' pure-JS backend (slow: ~375× slower to train; the numerical reference in tests).
 * - `tensorflow`: native TensorFlow through `@tensorflow/tfjs-node` or `@tensorflow/tfjs-node-gpu`,
 *   used only when the user has installed one of them (never required; the package cannot be
 *   installed offline). Absent → ICH_E_BACKEND_UNAVAILABLE with instructions.
 * - `torch`: libtorch (ATen, oneDNN) through ichscan's native addon (native/torch, built at install
 *   when libtorch is found; docs/torch-backend.md): all cores, `threads`, `device: 'cuda'` with a CUDA
 *   libtorch. Not built → ICH_E_BACKEND_UNAVAILABLE saying how to get it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ichError } from '../../core/errors.js';
import { gradientKernelConfigs } from './conv-grad-kernels.js';
import { maxPoolGradKernelConfig } from './pool-grad-kernel.js';
import { fusedBatchNormGradConfig } from './batchnorm-grad.js';
import { matMulKernelConfig } from './matmul-kernel.js';
import { reduceKernelConfig } from './reduce-kernels.js';
import { registerTorchBackend, type TorchOptions } from './torch-register.js';

export const BACKEND_NAMES = ['wasm', 'cpu', 'tensorflow', 'torch'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(s: string): s is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(s);
}

let kernelsRegistered = false;

/**
 * Registers ichscan's convolution gradient kernels on the wasm backend (replacing its slow
 * Conv2DBackpropInput and MaxPoolGrad) and wraps its BatchMatMul (slow transposed and
 * fresh-weight products, see matmul-kernel.ts) and its Sum/Mean over N·H·W (reduce-kernels.ts).
 * Idempotent.
 */
export function registerWasmGradientKernels(): void {
  if (kernelsRegistered) return;
  // Wrappers that keep the backend's own kernel for the cases they do not speed up.
  const wrappers: [string, (original: tf.KernelConfig) => tf.KernelConfig][] = [
    ['BatchMatMul', (o) => matMulKernelConfig('wasm', o)],
    ['Sum', (o) => reduceKernelConfig('Sum', o)],
    ['Mean', (o) => reduceKernelConfig('Mean', o)],
  ];
  for (const [name, wrap] of wrappers) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(wrap(original));
  }
  for (const k of [...gradientKernelConfigs('wasm'), maxPoolGradKernelConfig('wasm')]) {
    if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  tf.registerGradient(fusedBatchNormGradConfig);
  kernelsRegistered = true;
}

/**
 * Silences tfjs' "install tfjs-node" banner and debug warnings: production mode turns off
 * tfjs' console warnings (the banner goes through them) and its debug NaN checks.
 */
export function silenceTfjs(): void {
  tf.env().set('PROD', true);
}

async function importNativeTensorflow(): Promise<void> {
  const errors: string[] = [];
  for (const spec of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(spec);
      return;
    } catch (e) {
      errors.push(`${spec}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  throw ichError(
    'ICH_E_BACKEND_UNAVAILABLE',
    `backend "tensorflow" needs @tensorflow/tfjs-node (or -gpu) installed beside ichscan (npm install @tensorflow/tfjs-node@4.22.0); ${errors.join('; ')}`,
  );
}

/**
 * Makes `name` the active tfjs backend (call before creating any tensor). Returns the name.
 * `torch` options (threads, device) are ignored by the other backends.
 * Throws ICH_E_BACKEND_UNAVAILABLE when the backend cannot start.
 */
export async function initBackend(name: BackendName = 'wasm', torch: TorchOptions = {}): Promise<BackendName> {
  silenceTfjs();
  if (name === 'tensorflow') await importNativeTensorflow();
  if (name === 'wasm') registerWasmGradientKernels();
  if (name === 'torch') registerTorchBackend(torch);
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (e) {
    throw ichError('ICH_E_BACKEND_UNAVAILABLE', `${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!ok || tf.getBackend() !== name) throw ichError('ICH_E_BACKEND_UNAVAILABLE', `${name}: tfjs could not initialise it`);
  return name;
}

/** Parses a --backend flag value. */
export function parseBackendName(s: string): BackendName {
  if (!isBackendName(s)) throw ichError('ICH_E_USAGE', `--backend must be one of ${BACKEND_NAMES.join('|')}, got "${s}"`);
  return s;
}
