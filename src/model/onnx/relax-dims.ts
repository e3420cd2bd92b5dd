/**
 * Makes the spatial dimensions (H, W of NHWC) of an exported fully convolutional model symbolic,
 * so ONNX Runtime runs it on any input size — e.g. the localiser on a crop around the skull instead
 * of the whole 256² frame. The exporter writes 'same' paddings as explicit pads computed for the
 * size it was given; at stride 1 they do not depend on the size, and at stride s they are the same
 * for every size that is a multiple of s. So a model exported at size S runs correctly on sizes that
 * are multiples of the product of its strides (8 for bleedseg-fine); the caller keeps to that
 * (test/model/onnx/relax-dims.test.ts checks ORT at other sizes against tfjs).
 * Graphs whose result depends on the size in another way (flatten, dense, reshape, global pooling)
 * are refused: their spatial size is not free.
 */
import onnxProto from 'onnx-proto';
import { ichError } from '../../core/errors.js';

const { onnx } = onnxProto;

/** Ops that tie a graph to its spatial size (or whose shape attributes would need rewriting). */
const SIZE_BOUND_OPS = new Set(['Reshape', 'Flatten', 'Gemm', 'MatMul', 'GlobalAveragePool', 'GlobalMaxPool', 'Resize', 'Upsample', 'Expand', 'Tile', 'Slice', 'Shape']);

/** Rewrites dims 1 and 2 of the graph's input and output to the symbolic 'H', 'W' (outputs 'h', 'w'). */
export function relaxSpatialDims(bytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw ichError('ICH_E_EXPORT', 'ONNX model without a graph');
  const bound = (graph.node ?? []).map((n) => n.opType ?? '').filter((op) => SIZE_BOUND_OPS.has(op));
  if (bound.length > 0) throw ichError('ICH_E_EXPORT', `spatial size is not free in this graph (it has ${[...new Set(bound)].join(', ')})`);
  const relax = (values: onnxProto.onnx.IValueInfoProto[] | null | undefined, names: [string, string]): void => {
    for (const v of values ?? []) {
      const dims = v.type?.tensorType?.shape?.dim;
      if (!dims || dims.length !== 4) throw ichError('ICH_E_EXPORT', `graph value ${v.name ?? '?'} is not a 4-D NHWC tensor`);
      dims[1] = onnx.TensorShapeProto.Dimension.create({ dimParam: names[0] });
      dims[2] = onnx.TensorShapeProto.Dimension.create({ dimParam: names[1] });
    }
  };
  relax(graph.input, ['H', 'W']);
  relax(graph.output, ['h', 'w']);
  // intermediate shapes written for the export size would contradict other sizes
  graph.valueInfo = [];
  return onnx.ModelProto.encode(model).finish();
}

/** True when an engine's declared NHWC input shape has symbolic H and W (the model takes any size). */
export function hasFreeSpatialDims(shape: readonly (number | string)[] | undefined): boolean {
  return shape !== undefined && shape.length === 4 && typeof shape[1] === 'string' && typeof shape[2] === 'string';
}
