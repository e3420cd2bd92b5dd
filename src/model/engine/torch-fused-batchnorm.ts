/**
 * Training-mode batch normalization as one torch kernel. tfjs-layers' BatchNormalization in training
 * runs tf.moments (Mean, Sub, Square, Mean), FusedBatchNorm and two moving-average updates (Sub, Mul,
 * Sub each): ~11 kernels, four of them whole-activation passes, and its gradient composes
 * FusedBatchNorm's gradient with those of Mean, Square and Sub (~12 more). PyTorch runs one
 * native_batch_norm and one native_batch_norm_backward. On the torch backend, this makes the layer do
 * the same: `IchTorchBatchNormTrain` (y, batch mean, biased variance, both new moving statistics) and
 * its registered gradient `IchTorchBatchNormTrainGrad` (dx, dscale, doffset through the moments).
 * Same math as tfjs (tests: ≤ 1e-4 against tfjs cpu, forward, gradients and moving statistics).
 *
 * tfjs-layers has no hook for this, so the layer class's `call` is wrapped (once, when the torch
 * backend registers): on other backends, in inference, or for shapes it does not cover (rank ≠ 4,
 * axis ≠ last, no centre or scale) it calls the original unchanged.
 * The kernel's mean/variance outputs only feed the moving averages: they carry no gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { input, num, torchKernel } from './torch-kernel.js';

export const TORCH_BATCHNORM_TRAIN = 'IchTorchBatchNormTrain';
export const TORCH_BATCHNORM_TRAIN_GRAD = 'IchTorchBatchNormTrainGrad';

export function torchBatchNormTrainKernels(): tf.KernelConfig[] {
  return [
    torchKernel(TORCH_BATCHNORM_TRAIN, (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const c = x.shape[3] ?? 0;
      const hs = b.addon.batchNormTrain(
        b.handle(x),
        b.handle(input(inputs, 'scale')),
        b.handle(input(inputs, 'offset')),
        b.handle(input(inputs, 'movingMean')),
        b.handle(input(inputs, 'movingVariance')),
        num(attrs, 'varianceEpsilon'),
        num(attrs, 'momentum'),
      );
      return hs.map((h, i) => b.output(h, 'float32', i === 0 ? x.shape.slice() : [c]));
    }),
    torchKernel(TORCH_BATCHNORM_TRAIN_GRAD, (inputs, attrs, b) => {
      const x = input(inputs, 'x');
      const c = x.shape[3] ?? 0;
      const hs = b.addon.batchNormTrainGrad(
        b.handle(input(inputs, 'dy')),
        b.handle(x),
        b.handle(input(inputs, 'scale')),
        b.handle(input(inputs, 'mean')),
        b.handle(input(inputs, 'variance')),
        num(attrs, 'varianceEpsilon'),
      );
      return hs.map((h, i) => b.output(h, 'float32', i === 0 ? x.shape.slice() : [c]));
    }),
  ];
}

/** The fused training batch norm of NHWC `x` (what the wrapped layer runs): y and the two new moving statistics. */
export function torchBatchNormTrain(x: tf.Tensor4D, scale: tf.Tensor, offset: tf.Tensor, movingMean: tf.Tensor, movingVariance: tf.Tensor, epsilon: number, momentum: number): { y: tf.Tensor4D; movingMean: tf.Tensor; movingVariance: tf.Tensor } {
  const out = tf.engine().runKernel(TORCH_BATCHNORM_TRAIN, { x, scale, offset, movingMean, movingVariance }, { varianceEpsilon: epsilon, momentum }) as tf.Tensor[];
  return { y: out[0] as tf.Tensor4D, movingMean: out[3] as tf.Tensor, movingVariance: out[4] as tf.Tensor };
}

function registerGradient(): void {
  tf.registerGradient({
    kernelName: TORCH_BATCHNORM_TRAIN,
    inputsToSave: ['x', 'scale', 'movingMean', 'movingVariance'],
    outputsToSave: [false, true, true, false, false],
    gradFunc: (dys, saved, attrs) => {
      const [x, scale, movingMean, movingVariance, mean, variance] = saved as tf.Tensor[];
      const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
      const inputs = { dy, x: x as tf.Tensor, scale: scale as tf.Tensor, mean: mean as tf.Tensor, variance: variance as tf.Tensor };
      const [dx, dscale, doffset] = tf.engine().runKernel(TORCH_BATCHNORM_TRAIN_GRAD, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return {
        x: () => dx as tf.Tensor,
        scale: () => tf.reshape(dscale as tf.Tensor, (scale as tf.Tensor).shape),
        offset: () => tf.reshape(doffset as tf.Tensor, (scale as tf.Tensor).shape),
        // Not trainable (the layer writes them); zeros if a caller ever asks.
        movingMean: () => tf.zerosLike(movingMean as tf.Tensor),
        movingVariance: () => tf.zerosLike(movingVariance as tf.Tensor),
      };
    },
  });
}

interface BatchNormLayer extends tf.layers.Layer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type Call = (this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

let wrapped = false;

/** Wraps tfjs-layers' BatchNormalization.call (idempotent) and registers the kernel's gradient. */
export function installTorchBatchNormTraining(): void {
  if (wrapped) return;
  wrapped = true;
  registerGradient();
  const entry = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization;
  const cls = entry?.[0] as unknown as { prototype: { call: Call } } | undefined;
  if (!cls) throw new Error('tfjs-layers BatchNormalization is not registered');
  const original = cls.prototype.call;
  cls.prototype.call = function (this: BatchNormLayer, inputs, kwargs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const fits = kwargs?.training === true && tf.getBackend() === 'torch' && x !== undefined && x.rank === 4 && (this.axis === -1 || this.axis === 3) && this.center && this.scale;
    if (!fits) return original.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const r = torchBatchNormTrain(x as tf.Tensor4D, this.gamma.read(), this.beta.read(), this.movingMean.read(), this.movingVariance.read(), this.epsilon, this.momentum);
      this.movingMean.write(r.movingMean);
      this.movingVariance.write(r.movingVariance);
      return r.y;
    });
  };
}
