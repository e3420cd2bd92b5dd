/**
 * Gradient kernels for the tfjs `wasm` backend, written as ordinary (fast, XNNPACK-backed)
 * forward convolutions:
 * - Conv2DBackpropFilter (missing from tfjs-backend-wasm 4.22): a conv2d over the input with batch
 *   and channel axes swapped, using the output gradient as the filter (stride ↔ dilation swapped).
 * - Conv2DBackpropInput (present but ~2.5 GFLOP/s): a conv2d of the zero-inserted output gradient
 *   with the spatially rotated, in/out-transposed filter.
 * - DepthwiseConv2dNativeBackpropFilter / …BackpropInput (both missing): the same two ideas with
 *   depthwise convolutions, folding (channel, batch) and (channel, multiplier) into channels.
 * Inside a kernel, tfjs does not record ops on the gradient tape (kernelDepth > 0), so calling ops
 * here is safe; intermediates are freed by the tidy and the returned tensor becomes the output.
 * Each kernel is checked against the `cpu` backend in test/model/engine.
 */
import * as tf from '@tensorflow/tfjs';
import { computeConvGeometry, filterGradientSides, inputGradientSides, insertZeros, splitPadding, type PadSpec } from './conv-geometry.js';
import { polyphaseInputGradient } from './polyphase-input-grad.js';

type KernelParams = Parameters<tf.KernelFunc>[0];

interface ConvGradAttrs {
  strides: number | [number, number];
  pad: PadSpec;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
  dataFormat?: 'NHWC' | 'NCHW';
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
}

/**
 * The filter rotated by 180° in space (reverse of both spatial axes). Reversing both axes of
 * [kh, kw, …] reverses the order of the kh·kw contiguous blocks of a·b values, so it is done as
 * kh·kw block copies in JS (memcpy speed; wasm's Reverse and Gather kernels were 10–20 ms per
 * InceptionV3 filter). 1×1 filters are returned as they are.
 */
export function rotateFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, a, b] = filter.shape;
  const positions = kh * kw;
  if (positions === 1) return filter;
  const src = filter.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  const block = a * b;
  for (let p = 0; p < positions; p++) out.set(src.subarray(p * block, (p + 1) * block), (positions - 1 - p) * block);
  return tf.tensor4d(out, [kh, kw, a, b]);
}

/** The tensors tfjs passes to kernels are Tensor objects; make sure and type them. */
function asTensor4D(info: tf.TensorInfo | undefined, name: string): tf.Tensor4D {
  if (info === undefined) throw new Error(`gradient kernel: input ${name} missing`);
  if (info instanceof tf.Tensor) return info as tf.Tensor4D;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
}

function attrsOf(p: KernelParams): ConvGradAttrs {
  const a = p.attrs as unknown as ConvGradAttrs;
  if (a.dataFormat === 'NCHW') throw new Error('gradient kernel: only NHWC (channelsLast) is supported');
  return a;
}

/**
 * dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s + a·d − pt, j·s + b·d − pl, ci] · dy[n,i,j,co].
 * As a convolution: input x' = x as [Cin, H, W, N], filter dy' = dy as [Ho, Wo, N, Cout], stride d,
 * dilation s; output [Cin, kh, kw, Cout] → [kh, kw, Cin, Cout].
 */
export function conv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: readonly number[], a: ConvGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const [kh, kw] = filterShape as [number, number, number, number];
    const g = computeConvGeometry(x.shape, filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, false);
    const [sh, sw] = g.strides;
    const [dh, dw] = g.dilations;
    const p = filterGradientSides(g, kh, kw, h, w);
    const xt = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
    const { x: xp, pad } = splitPadding(xt, p.top, p.bottom, p.left, p.right);
    const filt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const out = tf.conv2d(xp, filt, [dh, dw], pad, 'NHWC', [sh, sw]);
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * dx[n,y,x,ci] = Σ dy[n,i,j,co] · W[a,b,ci,co] over y = i·s + a·d − pt: for strided, undilated
 * convolutions by phases (polyphase-input-grad.ts); otherwise the zero-inserted dy correlated
 * with the rotated filter (dilation d), padded (kh−1)·d − pt before.
 */
export function conv2dBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: readonly number[], a: ConvGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = inputShape as [number, number, number, number];
    const [kh, kw] = filter.shape;
    const g = computeConvGeometry(inputShape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, false);
    const [dh, dw] = g.dilations;
    const [sh, sw] = g.strides;
    if (dh === 1 && dw === 1 && (sh > 1 || sw > 1)) return polyphaseInputGradient(dy, filter, inputShape, sh, sw, g.padTop, g.padLeft);
    const dyz = insertZeros(dy, g.strides[0], g.strides[1]);
    const p = inputGradientSides(g, kh, kw, h, w, dyz.shape[1], dyz.shape[2]);
    const { x: dyp, pad } = splitPadding(dyz, p.top, p.bottom, p.left, p.right);
    const rotated = tf.transpose(rotateFilter(filter), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(dyp, rotated, 1, pad, 'NHWC', [dh, dw]);
  });
}

/**
 * Depthwise filter gradient: (channel, batch) folded into channels of one image,
 * dy as a [Ho, Wo, C·N, m] depthwise filter, summed over the batch afterwards.
 */
export function depthwiseBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: readonly number[], a: ConvGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [kh, kw, , m] = filterShape as [number, number, number, number];
    const g = computeConvGeometry(x.shape, filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
    const [sh, sw] = g.strides;
    const [dh, dw] = g.dilations;
    const [, ho, wo] = dy.shape;
    const p = filterGradientSides(g, kh, kw, h, w);
    const xf = tf.reshape(tf.transpose(x, [1, 2, 3, 0]), [1, h, w, c * n]) as tf.Tensor4D;
    const { x: xp, pad } = splitPadding(xf, p.top, p.bottom, p.left, p.right);
    const filt = tf.reshape(tf.transpose(tf.reshape(dy, [n, ho, wo, c, m]), [1, 2, 3, 0, 4]), [ho, wo, c * n, m]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(xp, filt, [dh, dw], pad, 'NHWC', [sh, sw]);
    return tf.sum(tf.reshape(out, [kh, kw, c, n, m]), 3) as tf.Tensor4D;
  });
}

/** Depthwise input gradient: zero-inserted dy, rotated filter as [kh, kw, C·m, 1], summed over m. */
export function depthwiseBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: readonly number[], a: ConvGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = inputShape as [number, number, number, number];
    const [kh, kw, , m] = filter.shape;
    const g = computeConvGeometry(inputShape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
    const [dh, dw] = g.dilations;
    const dyz = insertZeros(dy, g.strides[0], g.strides[1]);
    const p = inputGradientSides(g, kh, kw, h, w, dyz.shape[1], dyz.shape[2]);
    const { x: dyp, pad } = splitPadding(dyz, p.top, p.bottom, p.left, p.right);
    const rotated = tf.reshape(rotateFilter(filter), [kh, kw, c * m, 1]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(dyp, rotated, 1, pad, 'NHWC', [dh, dw]);
    return m === 1 ? out : (tf.sum(tf.reshape(out, [n, h, w, c, m]), 4) as tf.Tensor4D);
  });
}

type GradKernel = (a: tf.Tensor4D, b: tf.Tensor4D, shape: readonly number[], attrs: ConvGradAttrs) => tf.Tensor4D;

/** Kernel name, its two tensor inputs, the attribute holding the output shape, the implementation. */
const KERNELS: [string, string, string, 'filterShape' | 'inputShape', GradKernel][] = [
  ['Conv2DBackpropFilter', 'x', 'dy', 'filterShape', conv2dBackpropFilter],
  ['Conv2DBackpropInput', 'dy', 'filter', 'inputShape', conv2dBackpropInput],
  ['DepthwiseConv2dNativeBackpropFilter', 'x', 'dy', 'filterShape', depthwiseBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', 'dy', 'filter', 'inputShape', depthwiseBackpropInput],
];

/** The kernel configs, ready for tf.registerKernel on a backend. */
export function gradientKernelConfigs(backendName: string): tf.KernelConfig[] {
  return KERNELS.map(([kernelName, first, second, shapeAttr, fn]) => ({
    kernelName,
    backendName,
    kernelFunc: (p: KernelParams) => {
      const a = attrsOf(p);
      return fn(asTensor4D(p.inputs[first], first), asTensor4D(p.inputs[second], second), a[shapeAttr] ?? [], a);
    },
  }));
}
