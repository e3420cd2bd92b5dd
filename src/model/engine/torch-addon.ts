/**
 * The libtorch addon (native/torch, built by scripts/build-torch-addon.mjs into
 * native/torch/build/ichscan_torch.node): its typed call surface and its loader. Tensors live in
 * ATen memory and are addressed by integer handles; every call returns new handles (views share
 * storage inside ATen), and `free` releases one. dtype codes: 0 float32, 1 int32, 2 bool.
 * Image tensors are NHWC as in tfjs; pads are [top, bottom, left, right] in pixels.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ichError } from '../../core/errors.js';

export type Handle = number;
export type DtypeCode = 0 | 1 | 2;
type Maybe = Handle | undefined;

export interface TorchAddon {
  version(): string;
  fromBuffer(values: Float32Array | Int32Array | Uint8Array, shape: readonly number[], dtype: DtypeCode): Handle;
  toBuffer(h: Handle, out: Float32Array | Int32Array | Uint8Array): void;
  free(h: Handle): void;
  shape(h: Handle): number[];
  liveCount(): number;
  setThreads(n: number): void;
  getThreads(): number;
  cudaAvailable(): boolean;
  setDevice(device: 'cpu' | 'cuda'): void;
  unary(name: string, x: Handle, outDtype: DtypeCode, p1?: number, p2?: number): Handle;
  binary(name: string, a: Handle, b: Handle, outDtype: DtypeCode): Handle;
  reduce(name: string, x: Handle, axes: readonly number[], keepDims: boolean, outDtype: DtypeCode): Handle;
  cast(x: Handle, dtype: DtypeCode): Handle;
  fill(shape: readonly number[], value: number, dtype: DtypeCode): Handle;
  range(start: number, stop: number, step: number, dtype: DtypeCode): Handle;
  select(condition: Handle, t: Handle, e: Handle, outDtype: DtypeCode): Handle;
  addN(xs: readonly Handle[], outDtype: DtypeCode): Handle;
  reshape(x: Handle, shape: readonly number[]): Handle;
  transpose(x: Handle, perm: readonly number[]): Handle;
  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle;
  stridedSlice(x: Handle, begin: readonly number[], end: readonly number[], strides: readonly number[]): Handle;
  concat(xs: readonly Handle[], axis: number): Handle;
  stack(xs: readonly Handle[], axis: number): Handle;
  unstack(x: Handle, axis: number): Handle[];
  split(x: Handle, sizes: readonly number[], axis: number): Handle[];
  /** paddings flattened in tfjs axis order: [before0, after0, before1, after1, …]. */
  pad(x: Handle, paddings: readonly number[], value: number): Handle;
  tile(x: Handle, reps: readonly number[]): Handle;
  gather(x: Handle, indices: Handle, axis: number): Handle;
  reverse(x: Handle, axes: readonly number[]): Handle;
  unsortedSegmentSum(x: Handle, segmentIds: Handle, numSegments: number): Handle;
  oneHot(indices: Handle, depth: number, on: number, off: number): Handle;
  conv2d(x: Handle, filter: Handle, strides: readonly number[], pads: readonly number[], dilations: readonly number[], depthwise: boolean, bias?: Maybe, activation?: string, alpha?: number, prelu?: Maybe): Handle;
  conv2dBackpropInput(dy: Handle, filter: Handle, inShape: readonly number[], strides: readonly number[], pads: readonly number[], dilations: readonly number[], depthwise: boolean): Handle;
  conv2dBackpropFilter(x: Handle, dy: Handle, filterShape: readonly number[], strides: readonly number[], pads: readonly number[], dilations: readonly number[], depthwise: boolean): Handle;
  maxPool(x: Handle, kernel: readonly number[], strides: readonly number[], pads: readonly number[]): Handle;
  maxPoolGrad(dy: Handle, x: Handle, kernel: readonly number[], strides: readonly number[], pads: readonly number[]): Handle;
  avgPool(x: Handle, kernel: readonly number[], strides: readonly number[], pads: readonly number[]): Handle;
  avgPoolGrad(dy: Handle, x: Handle, kernel: readonly number[], strides: readonly number[], pads: readonly number[]): Handle;
  batchNorm(x: Handle, mean: Handle, variance: Handle, offset: Maybe, scale: Maybe, epsilon: number): Handle;
  /** → [dx, dmean, dvariance, dscale, doffset] for NHWC x and per-channel statistics. */
  batchNormGrad(dy: Handle, x: Handle, mean: Handle, variance: Handle, scale: Maybe, epsilon: number): Handle[];
  /** → [y, mean, variance, newMovingMean, newMovingVariance] (fused.cpp). */
  batchNormTrain(x: Handle, scale: Handle, offset: Handle, movingMean: Handle, movingVariance: Handle, epsilon: number, momentum: number): Handle[];
  /** → [dx, dscale, doffset], the gradient through the batch moments too. */
  batchNormTrainGrad(dy: Handle, x: Handle, scale: Handle, mean: Handle, variance: Handle, epsilon: number): Handle[];
  reluGrad(dy: Handle, x: Handle): Handle;
  /** → [variable′, m′, v′]; acc1/acc2 are β1ᵗ, β2ᵗ. */
  adam(variable: Handle, gradient: Handle, m: Handle, v: Handle, lr: number, beta1: number, beta2: number, epsilon: number, acc1: number, acc2: number): Handle[];
  matMul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean, bias?: Maybe, activation?: string, alpha?: number, prelu?: Maybe): Handle;
  softmax(x: Handle, dim: number): Handle;
  /** A prepacked inference convolution (conv-pack.cpp): padding [h, w] per side, inShape NHWC → pack id. */
  convPrepack(filter: Handle, bias: Maybe, strides: readonly number[], padding: readonly number[], dilations: readonly number[], inShape: readonly number[], activation: 'linear' | 'relu' | string): number;
  convRun(x: Handle, pack: number): Handle;
  convPackFree(pack: number): void;
  convPackCount(): number;
}

/** Where the addon is looked for: $ICHSCAN_TORCH_ADDON, else the build folder of this checkout. */
export function torchAddonPath(): string {
  return process.env.ICHSCAN_TORCH_ADDON ?? fileURLToPath(new URL('../../../../native/torch/build/ichscan_torch.node', import.meta.url));
}

let cached: TorchAddon | undefined;

/** Loads the addon once. Throws ICH_E_BACKEND_UNAVAILABLE, saying how to get it, when it is not built. */
export function loadTorchAddon(): TorchAddon {
  if (cached) return cached;
  const path = torchAddonPath();
  if (!existsSync(path)) {
    throw ichError(
      'ICH_E_BACKEND_UNAVAILABLE',
      `torch: the libtorch addon is not built (${path}); install libtorch (apt-get install libtorch-dev, or LIBTORCH=/path/to/libtorch) and run npm run build:torch`,
    );
  }
  // OpenMP threads sleep at barriers instead of spinning (read by libgomp when the addon loads): with
  // spinning, an InceptionV3 step on a busy 2-core machine burnt 28.6 CPU-s instead of 6.6, as the
  // two threads waited for each other at every element-wise op. The user's own setting wins.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  try {
    cached = createRequire(import.meta.url)(path) as TorchAddon;
  } catch (e) {
    throw ichError('ICH_E_BACKEND_UNAVAILABLE', `torch: ${path} does not load (${e instanceof Error ? e.message : String(e)}); rebuild it with npm run build:torch`);
  }
  return cached;
}

/** True when the addon is built here (tests skip without it). */
export function torchAddonBuilt(): boolean {
  return existsSync(torchAddonPath());
}
