/**
 * A FusedBatchNorm gradient without tfjs' `tile`: tfjs-core 4.22 builds dL/dx by tiling
 * 1/√(var+ε) to the full activation shape before multiplying (one extra full-size tensor per
 * BatchNorm layer; 20% of an InceptionV3 training step on wasm). Broadcasting a [C] vector over
 * the channel axis gives the same values. The other partial derivatives follow tfjs-core's formulas.
 */
import * as tf from '@tensorflow/tfjs';

function reductionAxes(rank: number): number[] {
  return Array.from({ length: rank - 1 }, (_, i) => i);
}

export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const g = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
    const scaleValue = scale ?? tf.scalar(1);
    const perChannel = mean.rank === 1;
    const axes = reductionAxes(x.rank);
    const reduce = (t: tf.Tensor): tf.Tensor => tf.reshape(perChannel ? tf.sum(t, axes) : t, mean.shape);
    const rstd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    return {
      x: () => tf.reshape(tf.mul(g, tf.mul(rstd, scaleValue)), x.shape),
      mean: () => reduce(tf.mul(tf.mul(rstd, tf.scalar(-1)), tf.mul(g, scaleValue))),
      variance: () => {
        const minusHalfRCube = tf.mul(tf.mul(tf.mul(rstd, rstd), rstd), tf.scalar(-0.5));
        return reduce(tf.mul(tf.mul(minusHalfRCube, tf.sub(x, mean)), tf.mul(g, scaleValue)));
      },
      scale: () => reduce(tf.mul(g, tf.mul(tf.sub(x, mean), rstd))),
      offset: () => reduce(g),
    };
  },
};
