/**
 * Layout kernels of the torch backend: Reshape (a view, free), Transpose, Slice, StridedSlice,
 * Concat, Pack/Unpack, SplitV, PadV2, Tile, GatherV2 (and its gradient UnsortedSegmentSum), Reverse, OneHot. tfjs' own helpers resolve
 * the attributes (negative axes, -1 sizes, slice masks) so the addon sees explicit numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { dtypeCode } from './torch-backend.js';
import { input, inputList, num, torchKernel } from './torch-kernel.js';

function firstAxis(axis: unknown, shape: number[]): number {
  const a = tf.util.parseAxisParam(axis as number | number[], shape)[0];
  if (a === undefined) throw new Error('axis missing');
  return a;
}

export function shapeKernelConfigs(): tf.KernelConfig[] {
  return [
    torchKernel('Reshape', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const shape = tf.util.inferFromImplicitShape(attrs.shape as number[], tf.util.sizeFromShape(x.shape));
      return b.output(b.addon.reshape(b.handle(x), shape), x.dtype, shape);
    }),
    torchKernel('Transpose', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const perm = attrs.perm as number[];
      return b.output(b.addon.transpose(b.handle(x), perm), x.dtype, perm.map((p) => x.shape[p] ?? 0));
    }),
    torchKernel('Slice', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number | number[], attrs.size as number | number[]) as [number[], number[]];
      return b.output(b.addon.slice(b.handle(x), begin, size), x.dtype, size);
    }),
    torchKernel('StridedSlice', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const info = tf.slice_util.sliceInfo(
        x.shape,
        attrs.begin as number[],
        attrs.end as number[],
        attrs.strides as number[],
        num(attrs, 'beginMask'),
        num(attrs, 'endMask'),
        num(attrs, 'ellipsisMask'),
        num(attrs, 'newAxisMask'),
        num(attrs, 'shrinkAxisMask'),
      );
      const sliced = b.addon.stridedSlice(b.handle(x), info.begin, info.end, info.strides);
      const out = b.addon.reshape(sliced, info.finalShape);
      b.addon.free(sliced);
      return b.output(out, x.dtype, info.finalShape);
    }),
    torchKernel('Concat', (inputs, attrs, b) => {
      const xs = inputList(inputs);
      const first = xs[0];
      if (!first) throw new Error('no inputs');
      const axis = firstAxis(attrs.axis, first.shape);
      return b.output(b.addon.concat(xs.map((x) => b.handle(x)), axis), first.dtype);
    }),
    torchKernel('Pack', (inputs, attrs, b) => {
      const xs = inputList(inputs);
      const first = xs[0];
      if (!first) throw new Error('no inputs');
      return b.output(b.addon.stack(xs.map((x) => b.handle(x)), num(attrs, 'axis')), first.dtype);
    }),
    torchKernel('Unpack', (inputs, attrs, b) => {
      const x = input(inputs, 'value');
      const axis = firstAxis(attrs.axis, x.shape);
      return b.addon.unstack(b.handle(x), axis).map((h) => b.output(h, x.dtype));
    }),
    torchKernel('SplitV', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const axis = firstAxis(attrs.axis, x.shape);
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number | number[], axis);
      return b.addon.split(b.handle(x), sizes, axis).map((h) => b.output(h, x.dtype));
    }),
    torchKernel('PadV2', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const paddings = (attrs.paddings as [number, number][]).flat();
      return b.output(b.addon.pad(b.handle(x), paddings, Number(attrs.constantValue ?? 0)), x.dtype);
    }),
    torchKernel('Tile', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      return b.output(b.addon.tile(b.handle(x), attrs.reps as number[]), x.dtype);
    }),
    torchKernel('GatherV2', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      if (Number(attrs.batchDims ?? 0) !== 0) throw new Error('batchDims > 0 is not implemented');
      const axis = firstAxis(attrs.axis, x.shape);
      return b.output(b.addon.gather(b.handle(x), b.handle(input(inputs, 'indices')), axis), x.dtype);
    }),
    torchKernel('UnsortedSegmentSum', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      return b.output(b.addon.unsortedSegmentSum(b.handle(x), b.handle(input(inputs, 'segmentIds')), num(attrs, 'numSegments')), x.dtype);
    }),
    torchKernel('Reverse', (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const axes = tf.util.parseAxisParam(attrs.dims as number | number[], x.shape);
      return b.output(b.addon.reverse(b.handle(x), axes), x.dtype, x.shape.slice());
    }),
    torchKernel('OneHot', (inputs, attrs, b) => {
      const dtype = (attrs.dtype as tf.DataType | undefined) ?? 'int32';
      const h = b.addon.oneHot(b.handle(input(inputs, 'indices')), num(attrs, 'depth'), num(attrs, 'onValue'), num(attrs, 'offValue'));
      const out = b.addon.cast(h, dtypeCode(dtype));
      b.addon.free(h);
      return b.output(out, dtype);
    }),
  ];
}
