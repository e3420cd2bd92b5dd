/**
 * ReLU's gradient on torch as one kernel. tfjs' Relu gradient is dy · step(x): two whole-activation
 * kernels (Step, Multiply), 94 of each in an InceptionV3 step; PyTorch runs one threshold_backward.
 * `IchTorchReluGrad` is that threshold_backward (dy where x > 0, else 0; it passes dy where x is NaN,
 * where tfjs gives NaN). Gradients are registered per kernel name for every backend, so this wraps
 * the gradient registered before it and calls it unchanged on other backends.
 */
import * as tf from '@tensorflow/tfjs';
import { input, torchKernel } from './torch-kernel.js';

export const TORCH_RELU_GRAD = 'IchTorchReluGrad';

export function torchReluGradKernel(): tf.KernelConfig {
  return torchKernel(TORCH_RELU_GRAD, (inputs, _attrs, b) => {
    const dy = input(inputs, 'dy');
    return b.output(b.addon.reluGrad(b.handle(dy), b.handle(input(inputs, 'x'))), 'float32', dy.shape.slice());
  });
}

/** Registers the wrapping Relu gradient (idempotent per previous gradient). */
export function registerTorchReluGradient(): void {
  const previous = tf.getGradient('Relu');
  if (!previous || (previous as { ichTorch?: boolean }).ichTorch) return;
  const config: tf.GradConfig & { ichTorch: boolean } = {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    ichTorch: true,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      if (tf.getBackend() !== 'torch' || x.dtype !== 'float32') return previous.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(TORCH_RELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor };
    },
  };
  tf.registerGradient(config);
}
