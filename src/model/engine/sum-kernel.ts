/**
 * A faster Sum and Mean for the wasm backend in the case training hits constantly: reducing every axis but
 * the last (bias and BatchNorm gradients of NHWC activations, e.g. [16, 254, 254, 32] → [32]).
 * tfjs-backend-wasm transposes the reduced axes to the end first and then sums (128 ms for that
 * example); a row of ones (or of 1/m for Mean: BatchNorm's batch moments) times the [N·H·W, C]
 * matrix gives the same sums in 8 ms. Other reductions use the backend's original kernels.
 */
import * as tf from '@tensorflow/tfjs';

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** True when `axes` are exactly 0..rank−2 (every axis but the last). */
function reducesLeadingAxes(axes: number[], rank: number): boolean {
  if (rank < 2 || axes.length !== rank - 1) return false;
  const sorted = [...axes].sort((a, b) => a - b);
  return sorted.every((a, i) => a === i);
}

/** The replacement `Sum` (or `Mean`) kernel for `backendName`, falling back to `original`. */
export function reduceKernelConfig(kernelName: 'Sum' | 'Mean', backendName: string, original: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    // The wasm backend binds its C functions in setupFunc when it initialises: keep it for the fallback.
    ...(original?.setupFunc ? { setupFunc: original.setupFunc } : {}),
    kernelFunc: (p) => {
      const x = p.inputs['x'];
      const a = p.attrs as unknown as SumAttrs;
      if (x instanceof tf.Tensor && x.dtype === 'float32') {
        const rank = x.shape.length;
        const axes = (Array.isArray(a.axis) ? a.axis : [a.axis]).map((v) => (v < 0 ? v + rank : v));
        if (reducesLeadingAxes(axes, rank)) {
          const c = x.shape[rank - 1] as number;
          const m = x.size / c;
          return tf.tidy(() => {
            const weights = kernelName === 'Sum' ? tf.ones([1, m]) : tf.fill([1, m], 1 / m);
            const s = tf.matMul(weights, tf.reshape(x, [m, c]));
            return tf.reshape(s, a.keepDims ? [...Array<number>(rank - 1).fill(1), c] : [c]);
          });
        }
      }
      if (!original) throw new Error(`${kernelName}: no fallback kernel`);
      return original.kernelFunc(p);
    },
  };
}
