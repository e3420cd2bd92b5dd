/**
 * One converter per tfjs layer class: each emits ONNX opset-13 nodes for one layer call.
 * Inside the exported graph, rank-4 activations are NCHW (ONNX's native conv layout); the exporter
 * transposes NHWC → NCHW once at the model input, and Flatten transposes back to NHWC before
 * flattening so that Dense weights keep Keras' (h, w, c) feature order. Rank-2 values are [N, F].
 */
import type * as tf from '@tensorflow/tfjs';
import { ichError } from '../../core/errors.js';
import { OnnxGraphBuilder, type AttrValue } from './graph-builder.js';

/** An ONNX value with its rank (rank-4 values are NCHW). */
export interface OnnxValue {
  name: string;
  rank: number;
  /** Keras (NHWC / NF) shape of the value, batch as null. */
  kerasShape: readonly (number | null)[];
}

export interface ConvertContext {
  g: OnnxGraphBuilder;
}

type Config = Record<string, unknown>;

function weightsByName(layer: tf.layers.Layer): Map<string, tf.Tensor> {
  const m = new Map<string, tf.Tensor>();
  for (const w of layer.weights) {
    const base = (w.originalName ?? w.name).split('/').pop()?.replace(/_\d+$/, '') ?? w.name;
    m.set(base, w.read());
  }
  return m;
}

function needWeight(m: Map<string, tf.Tensor>, key: string, layer: tf.layers.Layer): tf.Tensor {
  const t = m.get(key);
  if (!t) throw ichError('ICH_E_EXPORT', `layer ${layer.name} (${layer.getClassName()}) has no weight "${key}" (has ${[...m.keys()].join(', ')})`);
  return t;
}

function pair(v: unknown, fallback: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0] ?? fallback), Number(v[1] ?? v[0] ?? fallback)];
  if (typeof v === 'number') return [v, v];
  return [fallback, fallback];
}

/** Permutes a [kh, kw, cin, cout] kernel to ONNX's [cout, cin, kh, kw]. */
function kernelToOihw(data: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o] as number;
  return out;
}

/**
 * Explicit ONNX pads [top, left, bottom, right] reproducing TensorFlow's 'same' padding (the extra
 * pixel goes at the end); zeros for 'valid'. Spatial sizes must be known.
 */
function spatialPads(padding: unknown, inH: number | null, inW: number | null, k: [number, number], s: [number, number], d: [number, number], layer: string): number[] {
  if (padding !== 'same') return [0, 0, 0, 0];
  // At stride 1 the total padding is (k − 1)·d whatever the size, so a dynamic axis (null, e.g. a
  // series' slice count in study-conv) needs no fixed size; strided 'same' padding does.
  if ((inH === null && s[0] !== 1) || (inW === null && s[1] !== 1)) throw ichError('ICH_E_EXPORT', `layer ${layer}: strided 'same' padding needs a fixed input size`);
  const one = (n: number | null, kk: number, ss: number, dd: number): [number, number] => {
    const eff = (kk - 1) * dd + 1;
    const total = n === null ? eff - 1 : Math.max((Math.ceil(n / ss) - 1) * ss + eff - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [t, b] = one(inH, k[0], s[0], d[0]);
  const [l, r] = one(inW, k[1], s[1], d[1]);
  return [t, l, b, r];
}

/** Applies a Keras activation by name to a value. */
export function emitActivation(ctx: ConvertContext, v: OnnxValue, activation: unknown, base: string, alpha?: number): OnnxValue {
  const name = typeof activation === 'string' ? activation : 'linear';
  const op = (type: string, attrs: Record<string, AttrValue> = {}): OnnxValue => ({ ...v, name: ctx.g.addNode(type, [v.name], `${base}_${name}`, attrs) });
  switch (name) {
    case 'linear':
      return v;
    case 'relu':
      return op('Relu');
    case 'sigmoid':
      return op('Sigmoid');
    case 'tanh':
      return op('Tanh');
    case 'elu':
      return op('Elu', { alpha: { float: alpha ?? 1 } });
    case 'selu':
      return op('Selu');
    case 'softplus':
      return op('Softplus');
    case 'relu6': {
      const lo = ctx.g.addFloat(`${base}_min`, [], Float32Array.of(0));
      const hi = ctx.g.addFloat(`${base}_max`, [], Float32Array.of(6));
      return { ...v, name: ctx.g.addNode('Clip', [v.name, lo, hi], `${base}_relu6`) };
    }
    case 'swish': {
      const s = ctx.g.addNode('Sigmoid', [v.name], `${base}_swish_sig`);
      return { ...v, name: ctx.g.addNode('Mul', [v.name, s], `${base}_swish`) };
    }
    case 'softmax':
      return op('Softmax', { axis: v.rank === 4 ? 1 : -1 });
    default:
      throw ichError('ICH_E_EXPORT', `${base}: activation "${name}" has no ONNX conversion`);
  }
}

function emitConv(ctx: ConvertContext, layer: tf.layers.Layer, x: OnnxValue, cfg: Config, outShape: readonly (number | null)[]): OnnxValue {
  const cls = layer.getClassName();
  const w = weightsByName(layer);
  const k = pair(cfg['kernelSize'], 1);
  const s = pair(cfg['strides'], 1);
  const d = pair(cfg['dilationRate'], 1);
  const pads = spatialPads(cfg['padding'], x.kerasShape[1] ?? null, x.kerasShape[2] ?? null, k, s, d, layer.name);
  const attrs = { kernel_shape: k, strides: s, dilations: d, pads };
  const cin = x.kerasShape[3] as number;
  let y: string;
  if (cls === 'Conv2D') {
    const kernel = needWeight(w, 'kernel', layer);
    const cout = kernel.shape[3] as number;
    const wName = ctx.g.addFloat(`${layer.name}_W`, [cout, cin, k[0], k[1]], kernelToOihw(kernel.dataSync() as Float32Array, k[0], k[1], cin, cout));
    const ins = [x.name, wName];
    if (w.has('bias')) ins.push(ctx.g.addFloat(`${layer.name}_B`, [cout], needWeight(w, 'bias', layer).dataSync() as Float32Array));
    y = ctx.g.addNode('Conv', ins, layer.name, { ...attrs, group: 1 });
  } else {
    // Depthwise kernel [kh, kw, cin, mult] → ONNX [cin*mult, 1, kh, kw] with group = cin; TF's
    // output channel c*mult + m is ONNX group c's m-th output, so the order already agrees.
    const dk = needWeight(w, 'depthwise_kernel', layer);
    const mult = dk.shape[3] as number;
    const dw = kernelToOihw(dk.dataSync() as Float32Array, k[0], k[1], 1, cin * mult);
    const dwName = ctx.g.addFloat(`${layer.name}_DW`, [cin * mult, 1, k[0], k[1]], dw);
    const ins = [x.name, dwName];
    if (cls === 'DepthwiseConv2D' && w.has('bias')) ins.push(ctx.g.addFloat(`${layer.name}_B`, [cin * mult], needWeight(w, 'bias', layer).dataSync() as Float32Array));
    y = ctx.g.addNode('Conv', ins, cls === 'DepthwiseConv2D' ? layer.name : `${layer.name}_depthwise`, { ...attrs, group: cin });
    if (cls === 'SeparableConv2D') {
      const pk = needWeight(w, 'pointwise_kernel', layer);
      const cout = pk.shape[3] as number;
      const pw = ctx.g.addFloat(`${layer.name}_PW`, [cout, cin * mult, 1, 1], kernelToOihw(pk.dataSync() as Float32Array, 1, 1, cin * mult, cout));
      const pins = [y, pw];
      if (w.has('bias')) pins.push(ctx.g.addFloat(`${layer.name}_B`, [cout], needWeight(w, 'bias', layer).dataSync() as Float32Array));
      y = ctx.g.addNode('Conv', pins, layer.name, { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], group: 1 });
    }
  }
  return emitActivation(ctx, { name: y, rank: 4, kerasShape: outShape }, cfg['activation'], layer.name);
}

/**
 * Conv2DTranspose → ONNX ConvTranspose. tfjs' kernel is [kh, kw, cout, cin] (the forward conv's
 * filter whose input gradient this is); ONNX wants [cin, cout, kh, kw]; both are the adjoint of
 * the same correlation, so no spatial flip. Only paddings that need no ONNX pads are converted:
 * 'valid' (out = s·(in − 1) + k) and 'same' with kernel = stride (out = s·in, exact upsampling).
 */
function emitConvTranspose(ctx: ConvertContext, layer: tf.layers.Layer, x: OnnxValue, cfg: Config, outShape: readonly (number | null)[]): OnnxValue {
  const k = pair(cfg['kernelSize'], 1);
  const s = pair(cfg['strides'], 1);
  const d = pair(cfg['dilationRate'], 1);
  if (d[0] !== 1 || d[1] !== 1) throw ichError('ICH_E_EXPORT', `layer ${layer.name}: dilated Conv2DTranspose is not supported`);
  if (cfg['padding'] === 'same' && (k[0] !== s[0] || k[1] !== s[1])) throw ichError('ICH_E_EXPORT', `layer ${layer.name}: Conv2DTranspose 'same' padding needs kernel = stride (got ${k.join('×')} / ${s.join('×')})`);
  const w = weightsByName(layer);
  const kernel = needWeight(w, 'kernel', layer);
  const [kh, kw, cout, cin] = kernel.shape as [number, number, number, number];
  const src = kernel.dataSync() as Float32Array;
  const oihw = new Float32Array(src.length);
  for (let y = 0; y < kh; y++)
    for (let xx = 0; xx < kw; xx++)
      for (let o = 0; o < cout; o++)
        for (let i = 0; i < cin; i++) oihw[((i * cout + o) * kh + y) * kw + xx] = src[((y * kw + xx) * cout + o) * cin + i] as number;
  const ins = [x.name, ctx.g.addFloat(`${layer.name}_W`, [cin, cout, kh, kw], oihw)];
  if (w.has('bias')) ins.push(ctx.g.addFloat(`${layer.name}_B`, [cout], needWeight(w, 'bias', layer).dataSync() as Float32Array));
  const y = ctx.g.addNode('ConvTranspose', ins, layer.name, { kernel_shape: k, strides: s, pads: [0, 0, 0, 0], group: 1 });
  return emitActivation(ctx, { name: y, rank: 4, kerasShape: outShape }, cfg['activation'], layer.name);
}

function emitBatchNorm(ctx: ConvertContext, layer: tf.layers.Layer, x: OnnxValue, cfg: Config, outShape: readonly (number | null)[]): OnnxValue {
  const axis = Number(cfg['axis'] ?? -1);
  if (axis !== -1 && axis !== x.rank - 1) throw ichError('ICH_E_EXPORT', `layer ${layer.name}: BatchNormalization over axis ${axis} (only the channel axis is supported)`);
  const w = weightsByName(layer);
  const mean = needWeight(w, 'moving_mean', layer);
  const c = mean.size;
  const gamma = w.get('gamma')?.dataSync() as Float32Array | undefined;
  const beta = w.get('beta')?.dataSync() as Float32Array | undefined;
  const names = [
    ctx.g.addFloat(`${layer.name}_scale`, [c], cfg['scale'] === false || !gamma ? new Float32Array(c).fill(1) : gamma),
    ctx.g.addFloat(`${layer.name}_bias`, [c], cfg['center'] === false || !beta ? new Float32Array(c) : beta),
    ctx.g.addFloat(`${layer.name}_mean`, [c], mean.dataSync() as Float32Array),
    ctx.g.addFloat(`${layer.name}_var`, [c], needWeight(w, 'moving_variance', layer).dataSync() as Float32Array),
  ];
  const y = ctx.g.addNode('BatchNormalization', [x.name, ...names], layer.name, { epsilon: { float: Number(cfg['epsilon'] ?? 1e-3) } });
  return { name: y, rank: x.rank, kerasShape: outShape };
}

function emitPool(ctx: ConvertContext, layer: tf.layers.Layer, x: OnnxValue, cfg: Config, outShape: readonly (number | null)[]): OnnxValue {
  const k = pair(cfg['poolSize'], 2);
  const s = pair(cfg['strides'] ?? cfg['poolSize'], 2);
  const pads = spatialPads(cfg['padding'], x.kerasShape[1] ?? null, x.kerasShape[2] ?? null, k, s, [1, 1], layer.name);
  // TF's average pooling excludes padded cells from the count: ONNX count_include_pad = 0.
  const op = layer.getClassName() === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
  const attrs: Record<string, AttrValue> = { kernel_shape: k, strides: s, pads };
  if (op === 'AveragePool') attrs['count_include_pad'] = 0;
  return { name: ctx.g.addNode(op, [x.name], layer.name, attrs), rank: 4, kerasShape: outShape };
}

function emitGlobalPool(ctx: ConvertContext, layer: tf.layers.Layer, x: OnnxValue, cfg: Config, outShape: readonly (number | null)[]): OnnxValue {
  const op = layer.getClassName() === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool';
  const pooled = ctx.g.addNode(op, [x.name], `${layer.name}_pool`);
  if (cfg['keepDims'] === true) return { name: pooled, rank: 4, kerasShape: outShape };
  return { name: ctx.g.addNode('Flatten', [pooled], layer.name, { axis: 1 }), rank: 2, kerasShape: outShape };
}

function emitFlatten(ctx: ConvertContext, layer: tf.layers.Layer, x: OnnxValue, outShape: readonly (number | null)[]): OnnxValue {
  let src = x.name;
  if (x.rank === 4) src = ctx.g.addNode('Transpose', [x.name], `${layer.name}_nhwc`, { perm: [0, 2, 3, 1] });
  return { name: ctx.g.addNode('Flatten', [src], layer.name, { axis: 1 }), rank: 2, kerasShape: outShape };
}

function emitDense(ctx: ConvertContext, layer: tf.layers.Layer, x: OnnxValue, cfg: Config, outShape: readonly (number | null)[]): OnnxValue {
  if (x.rank !== 2) throw ichError('ICH_E_EXPORT', `layer ${layer.name}: Dense on a rank-${x.rank} input is not supported (add Flatten or global pooling)`);
  const w = weightsByName(layer);
  const kernel = needWeight(w, 'kernel', layer);
  const [fin, fout] = kernel.shape as [number, number];
  const wName = ctx.g.addFloat(`${layer.name}_W`, [fin, fout], kernel.dataSync() as Float32Array);
  const bias = w.has('bias') ? (needWeight(w, 'bias', layer).dataSync() as Float32Array) : new Float32Array(fout);
  const bName = ctx.g.addFloat(`${layer.name}_B`, [fout], bias);
  const y = ctx.g.addNode('Gemm', [x.name, wName, bName], layer.name);
  return emitActivation(ctx, { name: y, rank: 2, kerasShape: outShape }, cfg['activation'], layer.name);
}

/** Keras axis (NHWC) → ONNX axis (NCHW for rank 4). */
function mapAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (rank !== 4) return a;
  return [0, 2, 3, 1][a] as number;
}

const MERGE_OPS: Record<string, string> = { Add: 'Add', Multiply: 'Mul', Subtract: 'Sub', Maximum: 'Max', Minimum: 'Min', Average: 'Mean' };

/**
 * Converts one call of `layer` on `inputs`; returns its outputs. Layers with no effect at
 * inference (Dropout and friends) pass their input through.
 */
export function convertLayer(ctx: ConvertContext, layer: tf.layers.Layer, inputs: OnnxValue[], outShape: readonly (number | null)[]): OnnxValue {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Config;
  const x = inputs[0];
  if (!x) throw ichError('ICH_E_EXPORT', `layer ${layer.name} (${cls}) has no input`);
  switch (cls) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D':
      return emitConv(ctx, layer, x, cfg, outShape);
    case 'Conv2DTranspose':
      return emitConvTranspose(ctx, layer, x, cfg, outShape);
    case 'BatchNormalization':
      return emitBatchNorm(ctx, layer, x, cfg, outShape);
    case 'Activation':
      return emitActivation(ctx, x, cfg['activation'], layer.name);
    case 'ReLU': {
      if (cfg['maxValue'] !== null && cfg['maxValue'] !== undefined) {
        if (Number(cfg['maxValue']) !== 6) throw ichError('ICH_E_EXPORT', `layer ${layer.name}: ReLU maxValue ${String(cfg['maxValue'])}`);
        return emitActivation(ctx, x, 'relu6', layer.name);
      }
      return emitActivation(ctx, x, 'relu', layer.name);
    }
    case 'LeakyReLU':
      return { ...x, name: ctx.g.addNode('LeakyRelu', [x.name], layer.name, { alpha: { float: Number(cfg['alpha'] ?? 0.3) } }) };
    case 'ELU':
      return emitActivation(ctx, x, 'elu', layer.name, Number(cfg['alpha'] ?? 1));
    case 'Softmax':
      return { ...x, name: ctx.g.addNode('Softmax', [x.name], layer.name, { axis: mapAxis(Number(cfg['axis'] ?? -1), x.rank) }) };
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return emitPool(ctx, layer, x, cfg, outShape);
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return emitGlobalPool(ctx, layer, x, cfg, outShape);
    case 'Flatten':
      return emitFlatten(ctx, layer, x, outShape);
    case 'Dense':
      return emitDense(ctx, layer, x, cfg, outShape);
    case 'Dropout':
    case 'SpatialDropout1D':
    case 'SpatialDropout2D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
      return x;
    case 'Concatenate':
      return { name: ctx.g.addNode('Concat', inputs.map((v) => v.name), layer.name, { axis: mapAxis(Number(cfg['axis'] ?? -1), x.rank) }), rank: x.rank, kerasShape: outShape };
    case 'ZeroPadding2D': {
      const p = cfg['padding'] as [[number, number], [number, number]];
      const pads = ctx.g.addInt64(`${layer.name}_pads`, [0, 0, p[0][0], p[1][0], 0, 0, p[0][1], p[1][1]]);
      return { name: ctx.g.addNode('Pad', [x.name, pads], layer.name), rank: 4, kerasShape: outShape };
    }
    default: {
      const op = MERGE_OPS[cls];
      if (op) return { name: ctx.g.addNode(op, inputs.map((v) => v.name), layer.name), rank: x.rank, kerasShape: outShape };
      throw ichError('ICH_E_EXPORT', `layer ${layer.name}: tfjs layer type ${cls} has no ONNX conversion`);
    }
  }
}
