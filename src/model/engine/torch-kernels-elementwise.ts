/**
 * Element-wise, reduction and creation kernels of the torch backend. Output dtypes follow tfjs
 * (e.g. Exp of int32 is float32, comparisons are bool, Sum of bool is int32); the addon casts to
 * the dtype given. Broadcasting is numpy's in both tfjs and ATen.
 */
import * as tf from '@tensorflow/tfjs';
import { dtypeCode } from './torch-backend.js';
import { input, inputList, num, torchKernel } from './torch-kernel.js';

/** Unary kernels whose output keeps the input dtype; the rest give float32 (bool for predicates). */
const KEEP_DTYPE = ['Abs', 'Neg', 'Square', 'Relu', 'Relu6', 'Sign', 'Ceil', 'Floor', 'Round', 'Identity', 'ZerosLike', 'OnesLike', 'ClipByValue', 'LeakyRelu', 'Step'];
const PREDICATES = ['IsNan', 'IsInf', 'LogicalNot'];
const FLOAT_UNARY = ['Acos', 'Asin', 'Atan', 'Cos', 'Cosh', 'Elu', 'Erf', 'Exp', 'Expm1', 'Log', 'Log1p', 'Reciprocal', 'Rsqrt', 'Selu', 'Sigmoid', 'Sin', 'Sinh', 'Softplus', 'Sqrt', 'Tan', 'Tanh'];

const ARITHMETIC = ['Add', 'Sub', 'Multiply', 'FloorDiv', 'Maximum', 'Minimum', 'Pow', 'Mod', 'SquaredDifference', 'Prelu'];
const COMPARISONS = ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr'];

function unaryParams(name: string, attrs: Record<string, unknown>): [number, number] {
  if (name === 'Step' || name === 'LeakyRelu') return [num(attrs, 'alpha'), 0];
  if (name === 'ClipByValue') return [num(attrs, 'clipValueMin'), num(attrs, 'clipValueMax')];
  return [0, 0];
}

function unaryConfigs(): tf.KernelConfig[] {
  const make = (name: string, outDtype: (x: tf.DataType) => tf.DataType): tf.KernelConfig =>
    torchKernel(name, (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const dtype = outDtype(x.dtype);
      const [p1, p2] = unaryParams(name, attrs);
      return b.output(b.addon.unary(name, b.handle(x), dtypeCode(dtype), p1, p2), dtype, x.shape.slice());
    });
  return [
    ...KEEP_DTYPE.map((n) => make(n, (d) => d)),
    ...PREDICATES.map((n) => make(n, () => 'bool')),
    ...FLOAT_UNARY.map((n) => make(n, () => 'float32')),
  ];
}

function binaryConfigs(): tf.KernelConfig[] {
  const make = (name: string, outDtype: (a: tf.DataType, b: tf.DataType) => tf.DataType, left = 'a', right = 'b'): tf.KernelConfig =>
    torchKernel(name, (inputs, _attrs, b) => {
      const x = input(inputs, left);
      const y = input(inputs, right);
      const dtype = outDtype(x.dtype, y.dtype);
      return b.output(b.addon.binary(name, b.handle(x), b.handle(y), dtypeCode(dtype)), dtype);
    });
  return [
    ...ARITHMETIC.filter((n) => n !== 'Prelu').map((n) => make(n, (a, c) => tf.upcastType(a, c))),
    make('Prelu', () => 'float32', 'x', 'alpha'),
    make('RealDiv', () => 'float32'),
    make('Atan2', () => 'float32'),
    make('EluGrad', () => 'float32', 'dy', 'y'),
    ...COMPARISONS.map((n) => make(n, () => 'bool')),
  ];
}

function reduceConfigs(): tf.KernelConfig[] {
  const make = (name: string, outDtype: (x: tf.DataType) => tf.DataType): tf.KernelConfig =>
    torchKernel(name, (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      // Max and Min name their axes reductionIndices; the others axis.
      const axes = tf.util.parseAxisParam((attrs.axis ?? attrs.reductionIndices) as number | number[], x.shape);
      const keepDims = attrs.keepDims === true;
      const dtype = outDtype(x.dtype);
      return b.output(b.addon.reduce(name, b.handle(x), axes, keepDims, dtypeCode(dtype)), dtype);
    });
  return [
    make('Sum', (d) => tf.sumOutType(d)),
    make('Prod', (d) => tf.sumOutType(d)),
    make('Mean', () => 'float32'),
    make('Max', (d) => d),
    make('Min', (d) => d),
    make('All', () => 'bool'),
    make('Any', () => 'bool'),
    make('ArgMax', () => 'int32'),
    make('ArgMin', () => 'int32'),
  ];
}

function creationConfigs(): tf.KernelConfig[] {
  return [
    torchKernel('Cast', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const dtype = attrs.dtype as tf.DataType;
      return b.output(b.addon.cast(b.handle(x), dtypeCode(dtype)), dtype, x.shape.slice());
    }),
    torchKernel('Fill', (_inputs, attrs, b) => {
      const shape = attrs.shape as number[];
      const dtype = (attrs.dtype as tf.DataType | undefined) ?? 'float32';
      return b.output(b.addon.fill(shape, Number(attrs.value), dtypeCode(dtype)), dtype, shape.slice());
    }),
    torchKernel('Range', (_inputs, attrs, b) => {
      const dtype = (attrs.dtype as tf.DataType | undefined) ?? 'float32';
      return b.output(b.addon.range(num(attrs, 'start'), num(attrs, 'stop'), num(attrs, 'step'), dtypeCode(dtype)), dtype);
    }),
    torchKernel('Select', (inputs, _attrs, b) => {
      const t = input(inputs, 't');
      const e = input(inputs, 'e');
      const dtype = tf.upcastType(t.dtype, e.dtype);
      return b.output(b.addon.select(b.handle(input(inputs, 'condition')), b.handle(t), b.handle(e), dtypeCode(dtype)), dtype);
    }),
    torchKernel('AddN', (inputs, _attrs, b) => {
      const xs = inputList(inputs);
      const dtype = xs.reduce<tf.DataType>((d, x) => tf.upcastType(d, x.dtype), xs[0]?.dtype ?? 'float32');
      return b.output(b.addon.addN(xs.map((x) => b.handle(x)), dtypeCode(dtype)), dtype);
    }),
  ];
}

export function elementwiseKernelConfigs(): tf.KernelConfig[] {
  return [...unaryConfigs(), ...binaryConfigs(), ...reduceConfigs(), ...creationConfigs()];
}
