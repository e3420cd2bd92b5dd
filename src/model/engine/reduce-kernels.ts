/**
 * Sum and Mean over the N, H and W axes of an NHWC map (bias gradients, BatchNorm moments and
 * gradients) for the wasm backend. tfjs-backend-wasm 4.22 reduces only innermost axes, so it
 * first transposes the whole map: 190 ms for a 16×254×254×32 sum on one wasm thread. An average
 * pool over the full H×W window (XNNPACK) followed by a sum over N does the same in ~7 ms, and is
 * more accurate (two-level summation: 1e-6 against float64, the transposing Sum 3e-5).
 * Other reductions go to the backend's own kernels. Checked against `cpu` in test/model/engine.
 */
import * as tf from '@tensorflow/tfjs';

type KernelParams = Parameters<tf.KernelFunc>[0];

interface ReduceAttrs {
  /** null: all axes. */
  axis: number | number[] | null;
  keepDims: boolean;
}

/** Below this many values the backend's kernel is used as is. */
const MIN_VALUES = 1 << 14;

/** True when `axis` names exactly axes 0, 1, 2 of a rank-4 tensor. */
export function reducesSpatialAndBatch(shape: readonly number[], axis: number | number[] | null | undefined): boolean {
  if (shape.length !== 4 || axis === null || axis === undefined) return false;
  const axes = (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + 4 : a)).sort((a, b) => a - b);
  return axes.length === 3 && axes[0] === 0 && axes[1] === 1 && axes[2] === 2;
}

/**
 * Σ (or mean) over N, H, W of x [n, h, w, c] → [c] ([1, 1, 1, c] with keepDims): the per-image
 * mean by a full-window average pool, then summed (or averaged) over the n images.
 */
export function reduceNhw(x: tf.Tensor4D, mean: boolean, keepDims: boolean): tf.Tensor {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const perImage = tf.reshape(tf.avgPool(x, [h, w], [h, w], 'valid'), [n, c]);
    const r = mean ? tf.mean(perImage, 0) : tf.mul(tf.sum(perImage, 0), h * w);
    return keepDims ? tf.reshape(r, [1, 1, 1, c]) : r;
  });
}

/** The `Sum` or `Mean` kernel config for `backendName`, delegating to `original` (the backend's own). */
export function reduceKernelConfig(kernelName: 'Sum' | 'Mean', original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName,
    backendName: original.backendName,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (p: KernelParams) => {
      const { axis, keepDims } = p.attrs as unknown as ReduceAttrs;
      const x = p.inputs['x'];
      if (x === undefined || x.dtype !== 'float32' || !reducesSpatialAndBatch(x.shape, axis)) return original.kernelFunc(p);
      const [, h, w] = x.shape as [number, number, number, number];
      if (h * w === 1 || x.shape.reduce((a, b) => a * b, 1) < MIN_VALUES) return original.kernelFunc(p);
      const t = x instanceof tf.Tensor ? x : tf.engine().makeTensorFromTensorInfo(x);
      return reduceNhw(t as tf.Tensor4D, kernelName === 'Mean', keepDims);
    },
  };
}
