/**
 * A fused FusedBatchNorm gradient for the torch backend. tfjs' gradient (tfjs-core, or ichscan's
 * tile-free one in batchnorm-grad.ts) is ~10 whole-activation element-wise ops per batch-norm layer;
 * on torch, 4-D inputs with per-channel statistics instead run one native kernel
 * (`IchTorchBatchNormGrad`, ATen's native_batch_norm_backward) giving the same five partials.
 * Gradients are registered per kernel name for every backend, so this wraps the gradient that was
 * registered before it and calls it unchanged on other backends and for other shapes.
 */
import * as tf from '@tensorflow/tfjs';
import { input, num, optionalInput, torchKernel } from './torch-kernel.js';

export const TORCH_BATCHNORM_GRAD = 'IchTorchBatchNormGrad';

/** The kernel: inputs dy, x, mean, variance, scale?; attr varianceEpsilon; outputs dx, dmean, dvariance, dscale, doffset. */
export function torchBatchNormGradKernel(): tf.KernelConfig {
  return torchKernel(TORCH_BATCHNORM_GRAD, (inputs, attrs, b) => {
    const x = input(inputs, 'x');
    const mean = input(inputs, 'mean');
    const scale = optionalInput(inputs, 'scale');
    const hs = b.addon.batchNormGrad(
      b.handle(input(inputs, 'dy')),
      b.handle(x),
      b.handle(mean),
      b.handle(input(inputs, 'variance')),
      scale === undefined ? undefined : b.handle(scale),
      num(attrs, 'varianceEpsilon'),
    );
    return hs.map((h, i) => b.output(h, 'float32', i === 0 ? x.shape.slice() : [mean.shape.reduce((p, q) => p * q, 1)]));
  });
}

/** Registers the wrapping gradient for FusedBatchNorm (idempotent per previous gradient). */
export function registerTorchBatchNormGradient(): void {
  const previous = tf.getGradient('FusedBatchNorm');
  if (!previous || (previous as { ichTorch?: boolean }).ichTorch) return;
  const config: tf.GradConfig & { ichTorch: boolean } = {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    ichTorch: true,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      const g = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
      const c = x.shape[x.rank - 1] ?? 0;
      const perChannel = (t: tf.Tensor | undefined): boolean => t === undefined || t.size === c;
      if (tf.getBackend() !== 'torch' || x.rank !== 4 || !perChannel(mean) || !perChannel(variance) || !perChannel(scale)) {
        return previous.gradFunc(dy, saved, attrs);
      }
      const inputs: tf.NamedTensorMap = { dy: g, x, mean, variance };
      if (scale) inputs.scale = scale;
      const [dx, dmean, dvar, dscale, doffset] = tf.engine().runKernel(TORCH_BATCHNORM_GRAD, inputs, attrs) as tf.Tensor[];
      const like = (t: tf.Tensor | undefined, shape: number[]): tf.Tensor => (t ? tf.reshape(t, shape) : tf.zeros(shape));
      return {
        x: () => dx as tf.Tensor,
        mean: () => like(dmean, mean.shape),
        variance: () => like(dvar, variance.shape),
        scale: () => like(dscale, scale ? scale.shape : [c]),
        offset: () => like(doffset, [c]),
      };
    },
  };
  tf.registerGradient(config);
}
