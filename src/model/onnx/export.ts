/**
 * tfjs LayersModel → ONNX (opset 13). Walks the layer graph from the model outputs back to its
 * inputs through each symbolic tensor's source layer and node (so functional models with branches,
 * residual adds and concatenations work, and nested models — e.g. a pretrained backbone used as a
 * layer — are inlined). The ONNX model keeps the tfjs boundary: input `input` is NHWC float32
 * [N, H, W, C] and output `output` is the model's output (e.g. [N, 6] probabilities); a single
 * Transpose inside turns NHWC into the NCHW layout ONNX convolutions use.
 */
import type * as tf from '@tensorflow/tfjs';
import { ichError, toIchError } from '../../core/errors.js';
import { OnnxGraphBuilder } from './graph-builder.js';
import { convertLayer, type ConvertContext, type OnnxValue } from './layer-converters.js';

/** Structural view of tfjs-layers internals the walk needs (public fields, not in the tf typings). */
interface SymTensor {
  id: number;
  shape: (number | null)[];
  sourceLayer: LayerLike;
  nodeIndex: number;
  tensorIndex: number;
}
interface NodeLike {
  inputTensors: SymTensor[];
  outputTensors: SymTensor[];
}
interface LayerLike {
  name: string;
  inboundNodes: NodeLike[];
  getClassName(): string;
}
interface ContainerLike extends LayerLike {
  inputs: SymTensor[];
  outputs: SymTensor[];
}

function isContainer(l: LayerLike): l is ContainerLike {
  const c = l as Partial<ContainerLike>;
  return Array.isArray(c.inputs) && Array.isArray(c.outputs) && l.getClassName() !== 'InputLayer';
}

/** Emits `model` applied to `inputs`; returns the ONNX values of its outputs. */
function emitContainer(ctx: ConvertContext, model: ContainerLike, inputs: OnnxValue[]): OnnxValue[] {
  const memo = new Map<number, OnnxValue>();
  model.inputs.forEach((t, i) => {
    const v = inputs[i];
    if (!v) throw ichError('ICH_E_EXPORT', `model ${model.name}: input ${i} is not connected`);
    memo.set(t.id, v);
  });
  const visit = (t: SymTensor): OnnxValue => {
    const hit = memo.get(t.id);
    if (hit) return hit;
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node) throw ichError('ICH_E_EXPORT', `layer ${layer.name}: node ${t.nodeIndex} missing`);
    const ins = node.inputTensors.map(visit);
    let outs: OnnxValue[];
    if (isContainer(layer)) {
      outs = emitContainer(ctx, layer, ins);
    } else {
      if (node.outputTensors.length !== 1) throw ichError('ICH_E_EXPORT', `layer ${layer.name}: multi-output layers are not supported`);
      outs = [convertLayer(ctx, layer as unknown as tf.layers.Layer, ins, (node.outputTensors[0] as SymTensor).shape)];
    }
    node.outputTensors.forEach((o, i) => {
      const v = outs[i];
      if (v) memo.set(o.id, v);
    });
    const got = memo.get(t.id);
    if (!got) throw ichError('ICH_E_EXPORT', `layer ${layer.name}: output ${t.tensorIndex} not produced`);
    return got;
  };
  return model.outputs.map(visit);
}

export interface ExportOptions {
  /** Free text stored as the ONNX doc string (e.g. the architecture name). */
  docString?: string;
}

/**
 * Converts a built tfjs LayersModel with one NHWC image input to ONNX bytes.
 * Throws ICH_E_EXPORT naming the layer when a layer type or setting has no conversion.
 */
export function exportLayersModelToOnnx(model: tf.LayersModel, opts: ExportOptions = {}): Uint8Array {
  try {
    const m = model as unknown as ContainerLike;
    if (m.inputs.length !== 1) throw ichError('ICH_E_EXPORT', `models with ${m.inputs.length} inputs are not supported (one image input expected)`);
    const inT = m.inputs[0] as SymTensor;
    if (inT.shape.length !== 4) throw ichError('ICH_E_EXPORT', `input rank ${inT.shape.length}: an NHWC image input is expected`);
    const g = new OnnxGraphBuilder();
    const ctx: ConvertContext = { g };
    g.uniqueName('input');
    g.inputs.push(OnnxGraphBuilder.valueInfo('input', inT.shape));
    const nchw = g.addNode('Transpose', ['input'], 'input_nchw', { perm: [0, 3, 1, 2] });
    const outs = emitContainer(ctx, m, [{ name: nchw, rank: 4, kerasShape: inT.shape }]);
    outs.forEach((v, i) => {
      const outName = outs.length === 1 ? 'output' : `output_${i}`;
      const src = v.rank === 4 ? g.addNode('Transpose', [v.name], `${outName}_nhwc`, { perm: [0, 2, 3, 1] }) : v.name;
      g.uniqueName(outName);
      g.nodes.push({ opType: 'Identity', input: [src], output: [outName], name: `${outName}_Identity`, attribute: [] });
      g.outputs.push(OnnxGraphBuilder.valueInfo(outName, v.kerasShape));
    });
    return g.encode(model.name, opts.docString ?? '');
  } catch (e) {
    throw toIchError(e, 'ICH_E_EXPORT');
  }
}
