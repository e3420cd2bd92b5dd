/**
 * Network kernels of the torch backend: Conv2D / FusedConv2D / depthwise and their input and
 * filter gradients, MaxPool / AvgPool and their gradients, FusedBatchNorm, BatchMatMul /
 * _FusedMatMul, Softmax. tfjs' conv_util resolves strides, dilations and 'same'/'valid'/explicit
 * padding into pixels ([top, bottom, left, right]); the addon maps NHWC to ATen's channels-last
 * NCHW views (oneDNN) and handles asymmetric 'same' padding. NCHW data format is not supported.
 */
import * as tf from '@tensorflow/tfjs';
import { input, optionalInput, torchKernel } from './torch-kernel.js';
import type { TorchBackend } from './torch-backend.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function nhwc(attrs: Record<string, unknown>): void {
  if (attrs.dataFormat === 'NCHW') throw new Error('data format NCHW is not supported (NHWC only)');
}

/** Geometry of a conv from tfjs' own helper: strides, [t, b, l, r] pads, dilations, output shape. */
function convGeometry(xShape: number[], filterShape: number[], attrs: Record<string, unknown>, depthwise: boolean) {
  nhwc(attrs);
  const info = tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
    depthwise,
  );
  return {
    strides: [info.strideHeight, info.strideWidth],
    pads: [info.padInfo.top, info.padInfo.bottom, info.padInfo.left, info.padInfo.right],
    dilations: [info.dilationHeight, info.dilationWidth],
    outShape: info.outShape.slice(),
  };
}

function poolGeometry(xShape: number[], attrs: Record<string, unknown>) {
  const info = tf.backend_util.computePool2DInfo(
    xShape as Shape4,
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
  return {
    kernel: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    pads: [info.padInfo.top, info.padInfo.bottom, info.padInfo.left, info.padInfo.right],
    outShape: info.outShape.slice(),
  };
}

function handleOf(b: TorchBackend, t: tf.TensorInfo | undefined): number | undefined {
  return t === undefined ? undefined : b.handle(t);
}

/** Whether tfjs is recording kernels for a gradient (then the forward must read the live weights). */
function tapeOn(): boolean {
  // Inside a kernel the engine's kernelDepth is 1, so isTapeOn() would say false; gradientDepth > 0
  // is what marks a tf.grad / variableGrads / optimizer.minimize scope.
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

function convForward(name: string, depthwise: boolean, fused: boolean): tf.KernelConfig {
  return torchKernel(name, (inputs, attrs, b) => {
    const x = input(inputs, 'x');
    const filter = input(inputs, 'filter');
    const g = convGeometry(x.shape, filter.shape, attrs, depthwise);
    const act = fused ? ((attrs.activation as string | undefined) ?? 'linear') : 'linear';
    const bias = fused ? optionalInput(inputs, 'bias') : undefined;
    const prelu = fused && optionalInput(inputs, 'preluActivationWeights') !== undefined;
    const spec = { strides: g.strides, pads: g.pads, dilations: g.dilations, xShape: x.shape, filterShape: filter.shape, activation: act };
    // The pack's bias is one value per output channel; tfjs also allows a broadcastable one.
    const biasPerChannel = !bias || tf.util.sizeFromShape(bias.shape) === filter.shape[3];
    if (!tapeOn() && biasPerChannel && b.convPacks.eligible(spec, depthwise, prelu)) {
      // Inference: the weight reordered once (torch-conv-pack.ts), bias and ReLU fused by oneDNN.
      const pack = b.convPacks.get(filter.dataId, b.handle(filter), bias?.dataId, handleOf(b, bias), spec);
      if (pack !== undefined) return b.output(b.addon.convRun(b.handle(x), pack), 'float32', g.outShape);
    }
    const h = b.addon.conv2d(
      b.handle(x),
      b.handle(filter),
      g.strides,
      g.pads,
      g.dilations,
      depthwise,
      handleOf(b, bias),
      act,
      Number(attrs.leakyreluAlpha ?? 0.2),
      fused ? handleOf(b, optionalInput(inputs, 'preluActivationWeights')) : undefined,
    );
    return b.output(h, 'float32', g.outShape);
  });
}

function convBackpropInput(name: string, depthwise: boolean): tf.KernelConfig {
  return torchKernel(name, (inputs, attrs, b) => {
    const dy = input(inputs, 'dy');
    const filter = input(inputs, 'filter');
    const inShape = attrs.inputShape as number[];
    const g = convGeometry(inShape, filter.shape, attrs, depthwise);
    const h = b.addon.conv2dBackpropInput(b.handle(dy), b.handle(filter), inShape, g.strides, g.pads, g.dilations, depthwise);
    return b.output(h, 'float32', inShape.slice());
  });
}

function convBackpropFilter(name: string, depthwise: boolean): tf.KernelConfig {
  return torchKernel(name, (inputs, attrs, b) => {
    const x = input(inputs, 'x');
    const dy = input(inputs, 'dy');
    const filterShape = attrs.filterShape as number[];
    const g = convGeometry(x.shape, filterShape, attrs, depthwise);
    const h = b.addon.conv2dBackpropFilter(b.handle(x), b.handle(dy), filterShape, g.strides, g.pads, g.dilations, depthwise);
    return b.output(h, 'float32', filterShape.slice());
  });
}

function poolKernels(): tf.KernelConfig[] {
  return [
    torchKernel('MaxPool', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const g = poolGeometry(x.shape, attrs);
      return b.output(b.addon.maxPool(b.handle(x), g.kernel, g.strides, g.pads), x.dtype, g.outShape);
    }),
    torchKernel('MaxPoolGrad', (inputs, attrs, b) => {
      const x = input(inputs, 'input');
      const g = poolGeometry(x.shape, attrs);
      return b.output(b.addon.maxPoolGrad(b.handle(input(inputs, 'dy')), b.handle(x), g.kernel, g.strides, g.pads), 'float32', x.shape.slice());
    }),
    torchKernel('AvgPool', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const g = poolGeometry(x.shape, attrs);
      return b.output(b.addon.avgPool(b.handle(x), g.kernel, g.strides, g.pads), 'float32', g.outShape);
    }),
    torchKernel('AvgPoolGrad', (inputs, attrs, b) => {
      const x = input(inputs, 'input');
      const g = poolGeometry(x.shape, attrs);
      return b.output(b.addon.avgPoolGrad(b.handle(input(inputs, 'dy')), b.handle(x), g.kernel, g.strides, g.pads), 'float32', x.shape.slice());
    }),
  ];
}

function matMulKernel(name: string, fused: boolean): tf.KernelConfig {
  return torchKernel(name, (inputs, attrs, b) => {
    const a = input(inputs, 'a');
    const m = input(inputs, 'b');
    const h = b.addon.matMul(
      b.handle(a),
      b.handle(m),
      attrs.transposeA === true,
      attrs.transposeB === true,
      fused ? handleOf(b, optionalInput(inputs, 'bias')) : undefined,
      fused ? ((attrs.activation as string | undefined) ?? 'linear') : 'linear',
      Number(attrs.leakyreluAlpha ?? 0.2),
      fused ? handleOf(b, optionalInput(inputs, 'preluActivationWeights')) : undefined,
    );
    return b.output(h, 'float32');
  });
}

export function nnKernelConfigs(): tf.KernelConfig[] {
  return [
    convForward('Conv2D', false, false),
    convForward('FusedConv2D', false, true),
    convForward('DepthwiseConv2dNative', true, false),
    convForward('FusedDepthwiseConv2D', true, true),
    convBackpropInput('Conv2DBackpropInput', false),
    convBackpropInput('DepthwiseConv2dNativeBackpropInput', true),
    convBackpropFilter('Conv2DBackpropFilter', false),
    convBackpropFilter('DepthwiseConv2dNativeBackpropFilter', true),
    ...poolKernels(),
    torchKernel('FusedBatchNorm', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const h = b.addon.batchNorm(
        b.handle(x),
        b.handle(input(inputs, 'mean')),
        b.handle(input(inputs, 'variance')),
        handleOf(b, optionalInput(inputs, 'offset')),
        handleOf(b, optionalInput(inputs, 'scale')),
        Number(attrs.varianceEpsilon ?? 0.001),
      );
      return b.output(h, 'float32', x.shape.slice());
    }),
    matMulKernel('BatchMatMul', false),
    matMulKernel('_FusedMatMul', true),
    torchKernel('Softmax', (inputs, attrs, b) => {
      const x = input(inputs, 'logits');
      const dim = Number(attrs.dim ?? -1);
      return b.output(b.addon.softmax(b.handle(x), dim < 0 ? x.shape.length + dim : dim), 'float32', x.shape.slice());
    }),
  ];
}
