/**
 * Inference on torch: a Conv2D → BatchNormalization → ReLU chain as one FusedConv2D. In inference a
 * batch norm is a per-channel affine map, so it folds into the convolution's weights
 * (W′ = W·s, b′ = (b − mean)·s + β with s = γ/√(var + ε)) and the ReLU into the FusedConv2D kernel's
 * activation: one kernel and one pass over the activation instead of three (ONNX Runtime does the
 * same fold). tfjs-layers runs the three layers one by one, so this wraps their `call`s (once, when
 * the torch backend registers): a Conv2D whose only consumer is a BatchNormalization whose only
 * consumer is a ReLU Activation (or nothing else) computes the whole chain, and those two layers then
 * pass its result on — as a new tensor over the same data (no kernel), since tfjs-layers' executor
 * disposes each layer's inputs separately. Only in inference (`training` not true), only on torch;
 * otherwise, or for any other structure, each layer runs its own code.
 * Folded weights are computed once per weight version (the variables' data ids: any assign, e.g. a
 * training step or moving-average update, makes new ones) and dropped when the weights change.
 */
import * as tf from '@tensorflow/tfjs';

interface LayerLike {
  getClassName(): string;
  inboundNodes: { inboundLayers: LayerLike[] }[];
  outboundNodes: { outboundLayer: LayerLike }[];
}

interface ConvLayer extends LayerLike {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  strides: number[];
  padding: 'valid' | 'same';
  dilationRate: number[];
  dataFormat: string;
  rank: number;
  activation: { getClassName(): string };
}

interface BatchNormLayer extends LayerLike {
  axis: number;
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

interface Chain {
  bn: BatchNormLayer;
  /** The ReLU Activation after the batch norm, when there is one. */
  act: LayerLike | undefined;
}

interface Folded {
  /** The data ids of kernel, bias, γ, β, moving mean, moving variance (0 where absent). */
  key: (tf.DataId | 0)[];
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

type Call = (this: LayerLike, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

const chains = new WeakMap<LayerLike, Chain | null>();
const folded = new WeakMap<LayerLike, Folded>();
/** Tensors a folded conv produced → the layers that must pass them on. */
const passOn = new WeakMap<tf.Tensor, LayerLike>();

const className = (l: LayerLike): string => l.getClassName();
const soleConsumer = (l: LayerLike): LayerLike | undefined => (l.inboundNodes.length === 1 && l.outboundNodes.length === 1 ? l.outboundNodes[0]?.outboundLayer : undefined);

function chainOf(conv: ConvLayer): Chain | null {
  const known = chains.get(conv);
  if (known !== undefined) return known;
  let chain: Chain | null = null;
  const bn = soleConsumer(conv) as BatchNormLayer | undefined;
  if (className(conv) === 'Conv2D' && conv.rank === 2 && conv.dataFormat === 'channelsLast' && conv.activation.getClassName() === 'linear' && bn && className(bn) === 'BatchNormalization' && (bn.axis === -1 || bn.axis === 3)) {
    const next = soleConsumer(bn);
    const relu = next && className(next) === 'Activation' && (next as unknown as { activation: { getClassName(): string } }).activation.getClassName() === 'relu' && next.inboundNodes.length === 1;
    if (bn.inboundNodes.length === 1) chain = { bn, act: relu ? next : undefined };
  }
  chains.set(conv, chain);
  return chain;
}

function foldedWeights(conv: ConvLayer, bn: BatchNormLayer): Folded {
  const vars = [conv.kernel, conv.bias, bn.gamma, bn.beta, bn.movingMean, bn.movingVariance].map((v) => v?.read());
  const key = vars.map((v) => (v ? v.dataId : 0));
  const had = folded.get(conv);
  if (had && had.key.every((k, i) => k === key[i])) return had;
  if (had) tf.dispose([had.filter, had.bias]);
  const [kernel, bias, gamma, beta, mean, variance] = vars as [tf.Tensor4D, tf.Tensor | undefined, tf.Tensor | undefined, tf.Tensor | undefined, tf.Tensor, tf.Tensor];
  const [filter, b] = tf.tidy(() => {
    let s = tf.rsqrt(tf.add(variance, bn.epsilon));
    if (gamma) s = tf.mul(s, gamma);
    let b = tf.mul(bias ? tf.sub(bias, mean) : tf.neg(mean), s);
    if (beta) b = tf.add(b, beta);
    return [tf.mul(kernel, s), b];
  });
  // Kept: this runs inside predict's and the layer's tidy scopes, and the copy outlives them.
  const f: Folded = { key, filter: tf.keep(filter as tf.Tensor4D), bias: tf.keep(b as tf.Tensor1D) };
  folded.set(conv, f);
  return f;
}

/** A new tensor over `x`'s data (tfjs-layers disposes a layer's input and output separately). */
function alias(x: tf.Tensor): tf.Tensor {
  // The engine leaves reference counting of a shared data id to whoever shares it (as kernels that
  // return their input's data do).
  tf.engine().backend.incRef(x.dataId);
  return tf.engine().makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
}

function wrap(cls: string, make: (original: Call) => Call): void {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[cls];
  const c = entry?.[0] as unknown as { prototype: { call: Call } } | undefined;
  if (!c) throw new Error(`tfjs-layers ${cls} is not registered`);
  c.prototype.call = make(c.prototype.call);
}

let wrapped = false;

/** Wraps Conv2D's, BatchNormalization's and Activation's `call` (idempotent). */
export function installTorchInferenceFold(): void {
  if (wrapped) return;
  wrapped = true;
  wrap('Conv2D', (original) =>
    function (this: LayerLike, inputs, kwargs) {
      const chain = kwargs?.training !== true && tf.getBackend() === 'torch' ? chainOf(this as ConvLayer) : null;
      if (!chain) return original.call(this, inputs, kwargs);
      const conv = this as ConvLayer;
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const w = foldedWeights(conv, chain.bn);
      const y = tf.fused.conv2d({
        x,
        filter: w.filter,
        strides: conv.strides as [number, number],
        pad: conv.padding,
        dilations: conv.dilationRate as [number, number],
        bias: w.bias,
        activation: chain.act ? 'relu' : 'linear',
      });
      passOn.set(y, chain.bn);
      return y;
    },
  );
  // The folded copy goes with the layer (model.dispose() disposes every layer).
  const convProto = (tf.serialization.SerializationMap.getMap().classNameMap.Conv2D?.[0] as unknown as { prototype: { dispose: () => unknown } }).prototype;
  const dispose = convProto.dispose;
  convProto.dispose = function (this: LayerLike) {
    const f = folded.get(this);
    if (f) tf.dispose([f.filter, f.bias]);
    folded.delete(this);
    return dispose.call(this);
  };
  const passThrough = (original: Call): Call =>
    function (this: LayerLike, inputs, kwargs) {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!x || passOn.get(x) !== this) return original.call(this, inputs, kwargs);
      const y = alias(x);
      // The batch norm hands the chain on to its ReLU, if the conv folded one in.
      if (className(this) === 'BatchNormalization') {
        const act = chains.get(this.inboundNodes[0]?.inboundLayers[0] as LayerLike)?.act;
        if (act) passOn.set(y, act);
      }
      return y;
    };
  wrap('BatchNormalization', passThrough);
  wrap('Activation', passThrough);
}
