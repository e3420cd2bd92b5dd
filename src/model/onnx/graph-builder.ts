/**
 * A small builder for an ONNX (opset 13) graph with onnx-proto: unique value names, float32 and
 * int64 initializers stored as little-endian raw bytes, nodes with typed attributes, and the final
 * ModelProto encoding. It knows nothing about tfjs; `export.ts` drives it.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;
export type OnnxValueInfo = onnxProto.onnx.IValueInfoProto;

/** ONNX opset the exporter targets; IR version 7 is the one that goes with it. */
export const ONNX_OPSET = 13;
const IR_VERSION = 7;

export type AttrValue = number | number[] | string | { float: number };

function toAttribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  return { name, type: T.FLOAT, f: v.float };
}

export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  private readonly used = new Set<string>();

  /** A value name not used before, derived from `base` (tfjs layer names are unique already). */
  uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_');
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its single output name. */
  addNode(opType: string, inputs: string[], base: string, attrs: Record<string, AttrValue> = {}): string {
    const out = this.uniqueName(base);
    this.nodes.push({
      opType,
      input: inputs,
      output: [out],
      name: `${out}_${opType}`,
      attribute: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)),
    });
    return out;
  }

  /** Adds a float32 constant of the given dims (row-major); returns its name. */
  addFloat(base: string, dims: number[], data: Float32Array): string {
    const name = this.uniqueName(base);
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] as number, true);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes });
    return name;
  }

  /** Adds an int64 constant (e.g. Pad's pads, Reshape's shape); returns its name. */
  addInt64(base: string, values: number[]): string {
    const name = this.uniqueName(base);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: bytes });
    return name;
  }

  /** Declares a float32 graph input or output; `null` dims become a symbolic batch dimension. */
  static valueInfo(name: string, shape: readonly (number | null)[]): OnnxValueInfo {
    return {
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: shape.map((d, i) => (d === null || d < 0 ? { dimParam: i === 0 ? 'N' : `d${i}` } : { dimValue: d })) },
        },
      },
    };
  }

  /** Serialises the model to ONNX protobuf bytes. */
  encode(graphName: string, docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'ichscan',
      producerVersion: '0.1.0',
      docString,
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
