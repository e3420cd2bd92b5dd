/**
 * Small building blocks shared by the model zoo: seeded initialisers (every weight is reproducible
 * from the model seed) and conv → batch-norm → ReLU units. Only layer types the ONNX exporter
 * converts are used (see docs/training.md, "Layer types").
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/random.js';

export type SymbolicTensor = tf.SymbolicTensor;

/** A He-normal initialiser with a seed drawn from the model's RNG (conv and ReLU dense layers). */
export function heInit(rng: Rng): ReturnType<typeof tf.initializers.heNormal> {
  return tf.initializers.heNormal({ seed: rng.int(0, 2 ** 31 - 1) });
}

/** A Glorot-uniform initialiser with a seed drawn from the model's RNG (output layers). */
export function glorotInit(rng: Rng): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: rng.int(0, 2 ** 31 - 1) });
}

export interface ConvBnOptions {
  filters: number;
  kernel: number;
  strides?: number;
  relu?: boolean;
  name: string;
}

/** Conv2D (no bias) → BatchNormalization → optional ReLU, 'same' padding. */
export function convBn(x: SymbolicTensor, o: ConvBnOptions, rng: Rng): SymbolicTensor {
  const conv = tf.layers.conv2d({
    filters: o.filters,
    kernelSize: o.kernel,
    strides: o.strides ?? 1,
    padding: 'same',
    useBias: false,
    kernelInitializer: heInit(rng),
    name: `${o.name}_conv`,
  });
  const bn = tf.layers.batchNormalization({ axis: 3, momentum: 0.9, epsilon: 1e-3, name: `${o.name}_bn` });
  const y = bn.apply(conv.apply(x)) as SymbolicTensor;
  return o.relu === false ? y : (tf.layers.activation({ activation: 'relu', name: `${o.name}_relu` }).apply(y) as SymbolicTensor);
}

/** The standard six-label output: Dense(6) with sigmoid, SUBTYPES order. */
export function sigmoidHead(x: SymbolicTensor, rng: Rng, name = 'labels'): SymbolicTensor {
  return tf.layers.dense({ units: 6, activation: 'sigmoid', kernelInitializer: glorotInit(rng), name }).apply(x) as SymbolicTensor;
}

/** Forward multiply-adds of a model's Conv2D / DepthwiseConv2D / Dense layers for one image (×2 = FLOPs). */
export function countMultiplyAdds(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (layer instanceof tf.LayersModel) {
      total += countMultiplyAdds(layer); // a nested model (e.g. the InceptionV3 trunk)
      continue;
    }
    const out = layer.outputShape as (number | null)[];
    const weights = layer.getWeights();
    const kernel = weights[0];
    if (!kernel) continue;
    if (cls === 'Conv2D') {
      const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
      total += (out[1] ?? 0) * (out[2] ?? 0) * kh * kw * cin * cout;
    } else if (cls === 'DepthwiseConv2D') {
      const [kh, kw, cin, m] = kernel.shape as [number, number, number, number];
      total += (out[1] ?? 0) * (out[2] ?? 0) * kh * kw * cin * m;
    } else if (cls === 'Dense') {
      const [fin, fout] = kernel.shape as [number, number];
      total += fin * fout;
    }
  }
  return total;
}
