/**
 * How a torch-backend kernel is declared: a function of (inputs, attrs, backend) registered under
 * its tfjs kernel name for backend 'torch'. Addon failures (ATen shape checks, a missing native
 * op) become ICH_E_TORCH_KERNEL errors naming the kernel; a kernel that is not implemented at all
 * is absent from the registry, and tfjs then throws "Kernel 'X' not registered for backend
 * 'torch'" — never a silent fallback to another backend.
 */
import * as tf from '@tensorflow/tfjs';
import { ichError, isIchError } from '../../core/errors.js';
import type { TorchBackend } from './torch-backend.js';
import { profileKey, recordKernel, torchProfileEnabled } from './torch-profile.js';

export type TorchKernelFunc = (inputs: tf.NamedTensorInfoMap, attrs: Record<string, unknown>, backend: TorchBackend) => tf.TensorInfo | tf.TensorInfo[];

export function torchKernel(kernelName: string, f: TorchKernelFunc): tf.KernelConfig {
  const config: tf.KernelConfig = {
    kernelName,
    backendName: 'torch',
    kernelFunc: ({ inputs, attrs, backend }) => {
      try {
        return f(inputs, (attrs ?? {}) as Record<string, unknown>, backend as TorchBackend);
      } catch (e) {
        if (isIchError(e)) throw e;
        throw ichError('ICH_E_TORCH_KERNEL', `${kernelName}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    },
  };
  if (!torchProfileEnabled) return config;
  const run = config.kernelFunc;
  return {
    ...config,
    kernelFunc: (args) => {
      const t0 = performance.now();
      const r = run(args);
      recordKernel(profileKey(kernelName, args.inputs, args.attrs as Record<string, unknown> | undefined), performance.now() - t0);
      return r;
    },
  };
}

/** A named kernel input; throws when tfjs did not pass it. */
export function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`input ${name} missing`);
  return t;
}

/** An optional kernel input (bias, prelu weights). */
export function optionalInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo | undefined {
  return inputs[name] ?? undefined;
}

/** Kernels that take a list (Concat, Pack, AddN) get their inputs as an array-like map. */
export function inputList(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  return Object.values(inputs).filter((t): t is tf.TensorInfo => t !== undefined);
}

export function num(attrs: Record<string, unknown>, name: string): number {
  const v = attrs[name];
  if (typeof v !== 'number') throw new Error(`attribute ${name} must be a number`);
  return v;
}
