/**
 * Adam's update as one torch kernel per variable. tfjs' AdamOptimizer.applyGradients runs ~14 kernels
 * per variable (mul, mul, add, square, mul, mul, add, div, div, sqrt, add, div, mul, add) — about 4,000
 * kernel calls for InceptionV3's 284 variables, each ~100 µs of engine and N-API overhead, plus 14
 * passes over 22 M weights; PyTorch's Adam is a few in-place ops per parameter. `IchTorchAdam` does
 * the same arithmetic in the same order in one pass (fused.cpp) and returns the new variable and
 * moments, which are assigned as tfjs does. AdamOptimizer.prototype.applyGradients is wrapped (once,
 * when the torch backend registers): other backends run tfjs' own code unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { input, num, torchKernel } from './torch-kernel.js';

export const TORCH_ADAM = 'IchTorchAdam';

export function torchAdamKernel(): tf.KernelConfig {
  return torchKernel(TORCH_ADAM, (inputs, attrs, b) => {
    const x = input(inputs, 'x');
    const hs = b.addon.adam(
      b.handle(x),
      b.handle(input(inputs, 'gradient')),
      b.handle(input(inputs, 'm')),
      b.handle(input(inputs, 'v')),
      num(attrs, 'learningRate'),
      num(attrs, 'beta1'),
      num(attrs, 'beta2'),
      num(attrs, 'epsilon'),
      num(attrs, 'accBeta1'),
      num(attrs, 'accBeta2'),
    );
    return hs.map((h) => b.output(h, 'float32', x.shape.slice()));
  });
}

/** AdamOptimizer's private state, as tfjs-core 4.x keeps it. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

type Apply = (this: AdamState, g: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]) => void;

let wrapped = false;

/** Wraps tf.AdamOptimizer.prototype.applyGradients (idempotent). */
export function installTorchAdam(): void {
  if (wrapped) return;
  wrapped = true;
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients: Apply };
  const original = proto.applyGradients;
  proto.applyGradients = function (this: AdamState, variableGradients) {
    if (tf.getBackend() !== 'torch') return original.call(this, variableGradients);
    const list = Array.isArray(variableGradients);
    const names = list ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      // β1ᵗ and β2ᵗ as tfjs keeps them: float32 variables multiplied by β each step.
      const attrs = {
        learningRate: this.learningRate,
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
        accBeta1: this.accBeta1.dataSync()[0] as number,
        accBeta2: this.accBeta2.dataSync()[0] as number,
      };
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable;
        this.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        this.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = list ? (variableGradients as { name: string; tensor: tf.Tensor }[])[i]?.tensor : (variableGradients as tf.NamedTensorMap)[name];
        if (gradient == null) return;
        const m = (this.accumulatedFirstMoment[i] as { variable: tf.Variable }).variable;
        const v = (this.accumulatedSecondMoment[i] as { variable: tf.Variable }).variable;
        const [w2, m2, v2] = tf.engine().runKernel(TORCH_ADAM, { x: value, gradient, m, v }, attrs) as tf.Tensor[];
        m.assign(m2 as tf.Tensor);
        v.assign(v2 as tf.Tensor);
        value.assign(w2 as tf.Tensor);
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
    this.incrementIterations();
  };
}
