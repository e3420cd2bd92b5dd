/**
 * A faster MaxPoolGrad for the wasm backend (its own kernel ran ~650 ms for one 16×254×254×32
 * ReLU map, a third of a simple-cnn training step). For non-overlapping windows (filter = stride,
 * no padding: the common 2×2/2 pool) the gradient is built from whole-tensor ops on the input
 * and the pooled output upsampled by nearest-neighbour resizing: a mask of the positions equal to
 * the pooled maximum routes dy back; rows/columns the pool never read get zero. Other pool shapes
 * use direct loops in JS (the backend's own kernel is wrong with padding and negative values).
 */
import * as tf from '@tensorflow/tfjs';
import { computeConvGeometry, type PadSpec } from './conv-geometry.js';

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: PadSpec;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * dx for a max pool with window = stride and no padding. x: [n,h,w,c], y and dy: [n,ho,wo,c].
 * Where several positions of a window tie for the maximum, dy is shared equally among them (a
 * valid subgradient; TensorFlow gives it all to the first). Ties of exact float maxima are rare
 * except for ReLU zeros, where the ReLU's own gradient (0 at 0) removes them anyway.
 */
export function maxPoolGradNonOverlapping(dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const [, ho, wo] = dy.shape;
    const padH = h - ho * kh;
    const padW = w - wo * kw;
    // Upsample by exact integer factors with nearest-neighbour resizing (source = floor(dst / k)),
    // then pad to the input size (rows/columns the pool never read), so every op below is
    // elementwise on equal shapes (wasm's broadcasting and strided-slice paths are far slower).
    // The mask may be 1 in those unread rows (x = 0 there), but the gradient it gates is 0 there.
    // (Padding with NaN instead misbehaves: wasm's Pad seems to reuse its first constant.)
    const up = (t: tf.Tensor4D): tf.Tensor4D => {
      const r = tf.image.resizeNearestNeighbor(t, [ho * kh, wo * kw]);
      return padH > 0 || padW > 0 ? tf.pad(r, [[0, 0], [0, padH], [0, padW], [0, 0]]) : r;
    };
    const mask = tf.cast(tf.equal(x, up(y)), 'float32') as tf.Tensor4D;
    const ties = tf.mul(tf.avgPool(mask, [kh, kw], [kh, kw], 'valid'), kh * kw);
    return tf.mul(mask, up(tf.div(dy, ties) as tf.Tensor4D)) as tf.Tensor4D;
  });
}

/**
 * dx for any max pool (overlapping windows, padding) by direct loops in JS: each window's first
 * maximum in row-major order receives its dy (TensorFlow's rule; padding never wins). Used instead
 * of tfjs-backend-wasm 4.22's MaxPoolGrad, which routes the gradient to the wrong position when a
 * padded window holds only negative values (found by the test against cpu).
 */
export function maxPoolGradByLoops(dy: tf.Tensor4D, x: tf.Tensor4D, kh: number, kw: number, sh: number, sw: number, padTop: number, padLeft: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [, ho, wo] = dy.shape;
  const xs = x.dataSync() as Float32Array;
  const dys = dy.dataSync() as Float32Array;
  const dx = new Float32Array(xs.length);
  const best = new Float32Array(c);
  const bestAt = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      const r0 = Math.max(0, oy * sh - padTop);
      const r1 = Math.min(h, oy * sh - padTop + kh);
      for (let ox = 0; ox < wo; ox++) {
        const c0 = Math.max(0, ox * sw - padLeft);
        const c1 = Math.min(w, ox * sw - padLeft + kw);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let col = c0; col < c1; col++) {
            const base = ((b * h + r) * w + col) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = xs[base + ch] as number;
              if (v > (best[ch] as number)) {
                best[ch] = v;
                bestAt[ch] = base + ch;
              }
            }
          }
        }
        const out = ((b * ho + oy) * wo + ox) * c;
        for (let ch = 0; ch < c; ch++) {
          const at = bestAt[ch] as number;
          if (at >= 0) dx[at] = (dx[at] as number) + (dys[out + ch] as number);
        }
      }
    }
  }
  return tf.tensor4d(dx, [n, h, w, c]);
}

/** The replacement MaxPoolGrad kernel config for `backendName`. */
export function maxPoolGradKernelConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'MaxPoolGrad',
    backendName,
    kernelFunc: (p) => {
      const a = p.attrs as unknown as MaxPoolGradAttrs;
      const [kh, kw] = pair(a.filterSize);
      const [sh, sw] = pair(a.strides);
      const input = p.inputs['input'];
      const dy = p.inputs['dy'];
      const output = p.inputs['output'];
      if (!(input instanceof tf.Tensor) || !(dy instanceof tf.Tensor) || !(output instanceof tf.Tensor)) throw new Error('MaxPoolGrad: inputs missing');
      const g = computeConvGeometry(input.shape, [kh, kw, input.shape[3] ?? 1, 1], a.strides, 1, a.pad, a.dimRoundingMode, true);
      const simple = kh === sh && kw === sw && g.padTop === 0 && g.padLeft === 0 && g.outHeight * kh <= (input.shape[1] ?? 0) && g.outWidth * kw <= (input.shape[2] ?? 0);
      if (simple) return maxPoolGradNonOverlapping(dy as tf.Tensor4D, input as tf.Tensor4D, output as tf.Tensor4D, kh, kw);
      return maxPoolGradByLoops(dy as tf.Tensor4D, input as tf.Tensor4D, kh, kw, sh, sw, g.padTop, g.padLeft);
    },
  };
}
