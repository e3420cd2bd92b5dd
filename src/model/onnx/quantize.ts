/**
 * Static int8 quantization of an exported convolutional graph, in the QDQ form ONNX Runtime fuses
 * into QLinearConv: BatchNormalization folded into the Conv before it; per output channel symmetric
 * int8 weights; uint8 activations at every Conv input and after every Conv's ReLU (or the Conv
 * itself), with scales from calibration batches run through the float graph. Other ops
 * (ConvTranspose, Add, Sigmoid) stay float between DequantizeLinear and QuantizeLinear.
 * Why: on this 2-core AVX-512/VNNI machine the localiser ran ~1.5× faster (docs/model-card.md), and
 * it runs on nearly every slice of a real bleeding series.
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { ichError } from '../../core/errors.js';
import type { FloatTensor } from './runner.js';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;
const DT = onnx.TensorProto.DataType;

function floatsOf(t: Tensor): Float32Array {
  if (t.floatData && t.floatData.length > 0) return Float32Array.from(t.floatData);
  const b = t.rawData;
  if (!b || t.dataType !== DT.FLOAT) throw ichError('ICH_E_EXPORT', `initializer ${t.name ?? '?'} is not float32`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function tensor(name: string, dataType: number, dims: number[], bytes: Uint8Array): Tensor {
  return { name, dataType, dims, rawData: bytes };
}

const f32bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer.slice(0));

/** Folds every Conv → BatchNormalization pair (the Conv's only consumer) into the Conv's weights and bias (exact to float rounding). */
export function foldBatchNorms(g: onnxProto.onnx.IGraphProto): void {
  const nodes = g.node ?? [];
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const dropped = new Set<Node>();
  for (const conv of nodes) {
    if (conv.opType !== 'Conv') continue;
    const out = conv.output?.[0] ?? '';
    const users = nodes.filter((n) => n.input?.includes(out));
    const bn = users[0];
    if (users.length !== 1 || bn?.opType !== 'BatchNormalization') continue;
    const p = (bn.input ?? []).slice(1).map((x) => inits.get(x));
    const w = inits.get(conv.input?.[1] ?? '');
    if (!w || p.some((t) => !t)) continue;
    const [scale, shift, mean, variance] = p.map((t) => floatsOf(t as Tensor)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const eps = bn.attribute?.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
    const wd = floatsOf(w);
    const O = Number(w.dims?.[0]);
    const per = wd.length / O;
    const bias = conv.input?.[2] ? floatsOf(inits.get(conv.input[2]) as Tensor) : new Float32Array(O);
    const nb = new Float32Array(O);
    for (let o = 0; o < O; o++) {
      const k = (scale[o] as number) / Math.sqrt((variance[o] as number) + eps);
      for (let j = 0; j < per; j++) wd[o * per + j] = (wd[o * per + j] as number) * k;
      nb[o] = ((bias[o] as number) - (mean[o] as number)) * k + (shift[o] as number);
    }
    const wName = `${w.name}_bnfold`;
    const bName = `${conv.name ?? out}_bnfold_bias`;
    g.initializer?.push(tensor(wName, DT.FLOAT, (w.dims ?? []).map(Number), f32bytes(wd)), tensor(bName, DT.FLOAT, [O], f32bytes(nb)));
    conv.input = [conv.input?.[0] ?? '', wName, bName];
    conv.output = [bn.output?.[0] ?? out];
    dropped.add(bn);
  }
  g.node = nodes.filter((n) => !dropped.has(n));
  const used = new Set(g.node.flatMap((n) => n.input ?? []));
  g.initializer = (g.initializer ?? []).filter((t) => used.has(t.name ?? ''));
}

/** The activations to quantize: every Conv's input, and its ReLU's output (or its own when no ReLU follows). */
function activationsToQuantize(g: onnxProto.onnx.IGraphProto): { name: string; producer: Node | undefined }[] {
  const nodes = g.node ?? [];
  const byOutput = new Map(nodes.flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
  const names = new Set<string>();
  for (const n of nodes) {
    if (n.opType !== 'Conv') continue;
    names.add(n.input?.[0] ?? '');
    const out = n.output?.[0] ?? '';
    const relu = nodes.find((m) => m.opType === 'Relu' && m.input?.[0] === out);
    names.add(relu ? (relu.output?.[0] ?? '') : out);
  }
  return [...names].map((name) => ({ name, producer: byOutput.get(name) }));
}

/** Min and max of each named tensor over the calibration batches (the float graph, extra outputs added). */
async function calibrate(bytes: Uint8Array, names: readonly string[], batches: readonly FloatTensor[]): Promise<Map<string, [number, number]>> {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph as onnxProto.onnx.IGraphProto;
  const outs = new Set((g.output ?? []).map((o) => o.name));
  for (const n of names) if (!outs.has(n)) g.output?.push({ name: n, type: { tensorType: { elemType: DT.FLOAT } } });
  const s = await ort.InferenceSession.create(onnx.ModelProto.encode(m).finish(), { graphOptimizationLevel: 'disabled' });
  const range = new Map<string, [number, number]>();
  try {
    for (const b of batches) {
      const res = await s.run({ [s.inputNames[0] ?? 'input']: new ort.Tensor('float32', b.data, [...b.shape]) });
      for (const n of names) {
        const d = res[n]?.data as Float32Array | undefined;
        if (!d) throw ichError('ICH_E_EXPORT', `calibration: no value for ${n}`);
        let [lo, hi] = range.get(n) ?? [Infinity, -Infinity];
        for (let i = 0; i < d.length; i++) {
          const v = d[i] as number;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        range.set(n, [lo, hi]);
      }
    }
  } finally {
    await s.release();
  }
  return range;
}

/**
 * The quantized graph of a float one (opset ≥ 13), calibrated on `batches` (NHWC float batches the
 * model is meant for: a few dozen slices of the data it will see).
 */
export async function quantizeConvGraph(bytes: Uint8Array, batches: readonly FloatTensor[]): Promise<Uint8Array> {
  if (batches.length === 0) throw ichError('ICH_E_EXPORT', 'quantization needs calibration batches');
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph;
  if (!g) throw ichError('ICH_E_EXPORT', 'ONNX model without a graph');
  foldBatchNorms(g);
  const folded = onnx.ModelProto.encode(m).finish();
  const acts = activationsToQuantize(g);
  const range = await calibrate(folded, acts.map((a) => a.name), batches);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const extra: Node[] = [];
  let k = 0;
  // activations: x → Q → DQ, and every consumer reads the DQ output (uint8, zero point 0 when ≥ 0)
  const rename = new Map<string, string>();
  for (const { name } of acts) {
    const [lo0, hi0] = range.get(name) ?? [0, 1];
    // the range must hold 0 exactly (zero padding, ReLU), so it spans [min(lo, 0), max(hi, 0)]
    const lo = Math.min(0, lo0);
    const hi = Math.max(0, hi0, lo + 1e-6);
    const scale = (hi - lo) / 255;
    const zp = Math.round(-lo / scale);
    const s = `qdq${k}_scale`;
    const z = `qdq${k}_zero`;
    g.initializer?.push(tensor(s, DT.FLOAT, [], f32bytes(Float32Array.of(scale))), tensor(z, DT.UINT8, [], Uint8Array.of(zp)));
    extra.push({ opType: 'QuantizeLinear', input: [name, s, z], output: [`qdq${k}_q`], name: `qdq${k}_Q` });
    extra.push({ opType: 'DequantizeLinear', input: [`qdq${k}_q`, s, z], output: [`qdq${k}_dq`], name: `qdq${k}_DQ` });
    rename.set(name, `qdq${k}_dq`);
    k++;
  }
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name));
  for (const n of g.node ?? []) n.input = (n.input ?? []).map((x) => rename.get(x) ?? x);
  if ([...rename.keys()].some((x) => graphOutputs.has(x))) throw ichError('ICH_E_EXPORT', 'a quantized activation is a graph output');
  // weights: per output channel symmetric int8, dequantized along axis 0
  for (const n of g.node ?? []) {
    if (n.opType !== 'Conv') continue;
    const w = inits.get(n.input?.[1] ?? '');
    if (!w) continue;
    const wd = floatsOf(w);
    const O = Number(w.dims?.[0]);
    const per = wd.length / O;
    const q = new Int8Array(wd.length);
    const scales = new Float32Array(O);
    for (let o = 0; o < O; o++) {
      let mx = 0;
      for (let j = 0; j < per; j++) mx = Math.max(mx, Math.abs(wd[o * per + j] as number));
      const sc = mx > 0 ? mx / 127 : 1;
      scales[o] = sc;
      for (let j = 0; j < per; j++) q[o * per + j] = Math.round((wd[o * per + j] as number) / sc);
    }
    const base = `${w.name}_int8`;
    g.initializer?.push(
      tensor(base, DT.INT8, (w.dims ?? []).map(Number), new Uint8Array(q.buffer)),
      tensor(`${base}_scale`, DT.FLOAT, [O], f32bytes(scales)),
      tensor(`${base}_zero`, DT.INT8, [O], new Uint8Array(O)),
    );
    extra.push({ opType: 'DequantizeLinear', input: [base, `${base}_scale`, `${base}_zero`], output: [`${base}_dq`], name: `${base}_DQ`, attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] });
    n.input = [n.input?.[0] ?? '', `${base}_dq`, ...(n.input ?? []).slice(2)];
  }
  // the Q/DQ nodes go right after their input's producer: a topological order (producers first)
  const order: Node[] = [];
  const pending = [...extra];
  const place = (produced: string): void => {
    for (let i = 0; i < pending.length; ) {
      const e = pending[i] as Node;
      if (e.input?.[0] === produced) {
        pending.splice(i, 1);
        order.push(e);
        for (const o of e.output ?? []) place(o);
      } else i++;
    }
  };
  for (const t of g.initializer ?? []) place(t.name ?? '');
  for (const i of g.input ?? []) place(i.name ?? '');
  for (const n of g.node ?? []) {
    order.push(n);
    for (const o of n.output ?? []) place(o);
  }
  if (pending.length > 0) throw ichError('ICH_E_EXPORT', `quantization left ${pending.length} nodes unplaced`);
  g.node = order;
  const used = new Set(g.node.flatMap((n) => n.input ?? []));
  g.initializer = (g.initializer ?? []).filter((t) => used.has(t.name ?? ''));
  return onnx.ModelProto.encode(m).finish();
}
