/**
 * The input gradient of a strided convolution (stride s > 1, dilation 1) by phases: the rows
 * y ≡ φ (mod s) of dx only receive the filter taps a ≡ φ + padTop (mod s), so each of the s_h·s_w
 * phases is a stride-1 correlation of dy itself (no zeros inserted) with a sub-filter of those
 * taps, rotated. The phases are then interleaved. The zero-inserted form computes s_h·s_w times
 * the multiply-adds (¾ of them on zeros for stride 2); InceptionV3's 3×3/2 reduction layers and
 * every stride-2 layer of ichnet/resnet18 take this path. Checked against `cpu` in test/model/engine.
 */
import * as tf from '@tensorflow/tfjs';
import { splitPadding } from './conv-geometry.js';

/** One phase along one axis: which taps, how to pad dy, how many output rows. */
export interface AxisPhase {
  /** First tap (a0) and the number of taps a0, a0 + s, … below the kernel size. */
  firstTap: number;
  taps: number;
  /** Padding of dy before (negative: crop) and after, for a stride-1 correlation. */
  before: number;
  after: number;
  /** Output rows of this phase: y = φ, φ + s, … below the input size. */
  rows: number;
}

/**
 * The phases of one axis. size: the forward input size; outSize: dy's size; k: kernel size;
 * s: stride; pad: forward padding before. For phase φ, dx_φ[u] = Σ_t dy[u − e0 − t]·W[a0 + t·s]
 * with e0 = (a0 − φ − pad)/s, i.e. a correlation of dy padded by taps − 1 + e0 with the reversed taps.
 */
export function axisPhases(size: number, outSize: number, k: number, s: number, pad: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let phi = 0; phi < s; phi++) {
    const firstTap = (((phi + pad) % s) + s) % s;
    const taps = firstTap < k ? Math.floor((k - 1 - firstTap) / s) + 1 : 0;
    const e0 = (firstTap - phi - pad) / s;
    const rows = phi < size ? Math.floor((size - phi - 1) / s) + 1 : 0;
    const before = taps - 1 + e0;
    phases.push({ firstTap, taps, before, after: rows + taps - 1 - before - outSize, rows });
  }
  return phases;
}

/**
 * The sub-filter of one phase, [ty, tx, Cout, Cin]: taps (py.firstTap + i·sh, px.firstTap + j·sw)
 * of W [kh, kw, Cin, Cout], in reversed order (the rotation of the correlation), in/out swapped.
 */
function phaseFilter(w: Float32Array, kw: number, cin: number, cout: number, py: AxisPhase, px: AxisPhase, sh: number, sw: number): tf.Tensor4D {
  const block = cin * cout;
  const out = new Float32Array(py.taps * px.taps * block);
  for (let i = 0; i < py.taps; i++) {
    const a = py.firstTap + (py.taps - 1 - i) * sh;
    for (let j = 0; j < px.taps; j++) {
      const b = px.firstTap + (px.taps - 1 - j) * sw;
      const src = (a * kw + b) * block;
      out.set(w.subarray(src, src + block), (i * px.taps + j) * block);
    }
  }
  return tf.transpose(tf.tensor4d(out, [py.taps, px.taps, cin, cout]), [0, 1, 3, 2]);
}

/** Zero-pads rows/columns at the end of an NHWC tensor to (h, w). */
function padTo(t: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [, th, tw] = t.shape;
  if (th === h && tw === w) return t;
  return tf.pad(t, [[0, 0], [0, h - th], [0, w - tw], [0, 0]]);
}

/**
 * dx [n, h, w, Cin] of a stride (sh, sw), dilation-1 convolution from dy [n, ho, wo, Cout] and
 * filter [kh, kw, Cin, Cout]; padTop/padLeft: the forward padding before.
 */
export function polyphaseInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: readonly number[], sh: number, sw: number, padTop: number, padLeft: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, cin] = inputShape as [number, number, number, number];
    const [kh, kw, , cout] = filter.shape;
    const [, ho, wo] = dy.shape;
    const rowPhases = axisPhases(h, ho, kh, sh, padTop);
    const colPhases = axisPhases(w, wo, kw, sw, padLeft);
    const maxRows = rowPhases[0]?.rows ?? 0;
    const maxCols = colPhases[0]?.rows ?? 0;
    const wData = filter.dataSync() as Float32Array;
    const rowsOut: tf.Tensor4D[] = rowPhases.map((py) => {
      const cols = colPhases.map((px) => {
        if (py.taps === 0 || px.taps === 0 || py.rows === 0 || px.rows === 0) return tf.zeros([n, maxRows, maxCols, cin]) as tf.Tensor4D;
        const { x: dyp, pad } = splitPadding(dy, py.before, py.after, px.before, px.after);
        const part = tf.conv2d(dyp, phaseFilter(wData, kw, cin, cout, py, px, sh, sw), 1, pad);
        return padTo(part, maxRows, maxCols);
      });
      // Interleave columns: [n, R, C, sw, cin] → [n, R, C·sw, cin].
      return cols.length === 1 ? (cols[0] as tf.Tensor4D) : tf.reshape(tf.stack(cols, 3), [n, maxRows, maxCols * sw, cin]);
    });
    // Interleave rows: [n, R, sh, C·sw, cin] → [n, R·sh, C·sw, cin], then drop the rows/columns past h, w.
    const full = rowsOut.length === 1 ? (rowsOut[0] as tf.Tensor4D) : (tf.reshape(tf.stack(rowsOut, 2), [n, maxRows * sh, maxCols * sw, cin]) as tf.Tensor4D);
    return full.shape[1] === h && full.shape[2] === w ? full : tf.slice(full, [0, 0, 0, 0], [n, h, w, cin]);
  });
}
