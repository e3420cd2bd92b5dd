/**
 * A faster MaxPoolGrad for the wasm backend (its own kernel ran ~650 ms for one 16×254×254×32
 * ReLU map, a third of a simple-cnn training step). Both paths are direct JS loops over the
 * tensors' wasm heap memory (as tfjs-backend-wasm's own JS kernels do), writing the output in
 * place: for non-overlapping windows (filter = stride, no padding: the common 2×2/2 pool) the
 * positions equal to the pooled maximum share dy; other pool shapes route dy to each window's
 * first maximum (the backend's own kernel is wrong with padding and negative values).
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

/** The parts of tfjs-backend-wasm's backend that its own JS kernels use (Slice, Identity, …). */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

function isWasmHeapBackend(b: unknown): b is WasmHeapBackend {
  const o = b as Partial<WasmHeapBackend> | undefined;
  return typeof o?.makeOutput === 'function' && typeof o.typedArrayFromHeap === 'function';
}

/** A max pool's geometry: input shape [n, h, w, c], output ho × wo, window, strides, padding before. */
export interface PoolGrid {
  shape: readonly [number, number, number, number];
  ho: number;
  wo: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
}

/**
 * dx for a max pool with window = stride and no padding, in one pass over the input's wasm heap
 * memory (no copies; the whole-tensor-op version took 5 full-size passes, ~300 ms per simple-cnn
 * step). x: [n,h,w,c], y and dy: [n,ho,wo,c]. Positions equal to the pooled maximum y share dy
 * equally (a valid subgradient; TensorFlow gives it all to the first). Ties of exact float maxima
 * are rare except for ReLU zeros, where the ReLU's own gradient (0 at 0) removes them anyway.
 * Rows/columns the pool never read get zero.
 */
export function maxPoolGradNonOverlapping(xs: Float32Array, ys: Float32Array, dys: Float32Array, dx: Float32Array, grid: PoolGrid): void {
  const { shape, ho, wo, kh, kw } = grid;
  const [n, h, w, c] = shape;
  // Every position inside the pooled area is written below; only a remainder needs zeros.
  if (ho * kh < h || wo * kw < w) dx.fill(0);
  if (kh === 2 && kw === 2) {
    maxPoolGrad2x2(xs, ys, dys, dx, grid);
    return;
  }
  const ties = new Float32Array(c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        const o = ((b * ho + oy) * wo + ox) * c;
        ties.fill(0);
        for (let r = 0; r < kh; r++) {
          for (let q = 0; q < kw; q++) {
            const base = ((b * h + oy * kh + r) * w + ox * kw + q) * c;
            for (let ch = 0; ch < c; ch++) if (xs[base + ch] === ys[o + ch]) ties[ch] = (ties[ch] as number) + 1;
          }
        }
        for (let ch = 0; ch < c; ch++) ties[ch] = (dys[o + ch] as number) / (ties[ch] as number);
        for (let r = 0; r < kh; r++) {
          for (let q = 0; q < kw; q++) {
            const base = ((b * h + oy * kh + r) * w + ox * kw + q) * c;
            for (let ch = 0; ch < c; ch++) dx[base + ch] = xs[base + ch] === ys[o + ch] ? (ties[ch] as number) : 0;
          }
        }
      }
    }
  }
}

/** The 2×2/2 case in a single pass, the four comparisons kept in registers (~3× the general loop). */
function maxPoolGrad2x2(xs: Float32Array, ys: Float32Array, dys: Float32Array, dx: Float32Array, grid: PoolGrid): void {
  const { shape, ho, wo } = grid;
  const [n, h, w, c] = shape;
  const rowStride = w * c;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      let o = (b * ho + oy) * wo * c;
      let p0 = (b * h + oy * 2) * w * c;
      for (let ox = 0; ox < wo; ox++) {
        const p1 = p0 + c;
        const p2 = p0 + rowStride;
        const p3 = p2 + c;
        for (let ch = 0; ch < c; ch++) {
          const m = ys[o + ch];
          const a0 = xs[p0 + ch] === m;
          const a1 = xs[p1 + ch] === m;
          const a2 = xs[p2 + ch] === m;
          const a3 = xs[p3 + ch] === m;
          const g = (dys[o + ch] as number) / ((a0 ? 1 : 0) + (a1 ? 1 : 0) + (a2 ? 1 : 0) + (a3 ? 1 : 0));
          dx[p0 + ch] = a0 ? g : 0;
          dx[p1 + ch] = a1 ? g : 0;
          dx[p2 + ch] = a2 ? g : 0;
          dx[p3 + ch] = a3 ? g : 0;
        }
        o += c;
        p0 += 2 * c;
      }
    }
  }
}

/**
 * dx for any max pool (overlapping windows, padding) by direct loops: each window's first
 * maximum in row-major order receives its dy (TensorFlow's rule; padding never wins). Used instead
 * of tfjs-backend-wasm 4.22's MaxPoolGrad, which routes the gradient to the wrong position when a
 * padded window holds only negative values (found by the test against cpu).
 */
export function maxPoolGradByLoops(xs: Float32Array, dys: Float32Array, dx: Float32Array, grid: PoolGrid): void {
  const { shape, ho, wo, kh, kw, sh, sw, padTop, padLeft } = grid;
  const [n, h, w, c] = shape;
  dx.fill(0);
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
}

/** The replacement MaxPoolGrad kernel config for `backendName` (a tfjs-backend-wasm backend). */
export function maxPoolGradKernelConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'MaxPoolGrad',
    backendName,
    kernelFunc: (p) => {
      const a = p.attrs as unknown as MaxPoolGradAttrs;
      const [kh, kw] = pair(a.filterSize);
      const [sh, sw] = pair(a.strides);
      const { input, dy, output } = p.inputs;
      const backend = p.backend;
      if (!input || !dy || !output) throw new Error('MaxPoolGrad: inputs missing');
      if (!isWasmHeapBackend(backend)) throw new Error('MaxPoolGrad: needs the wasm backend');
      const shape = input.shape as [number, number, number, number];
      const [, h, w] = shape;
      const [, ho, wo] = dy.shape as [number, number, number, number];
      const g = computeConvGeometry(shape, [kh, kw, shape[3], 1], a.strides, 1, a.pad, a.dimRoundingMode, true);
      // Allocate first: growing the heap would detach views taken before.
      const out = backend.makeOutput([...shape], 'float32');
      const dx = backend.typedArrayFromHeap(out);
      const xs = backend.typedArrayFromHeap(input);
      const dys = backend.typedArrayFromHeap(dy);
      const grid: PoolGrid = { shape, ho, wo, kh, kw, sh, sw, padTop: g.padTop, padLeft: g.padLeft };
      const simple = kh === sh && kw === sw && g.padTop === 0 && g.padLeft === 0 && ho * kh <= h && wo * kw <= w;
      if (simple) maxPoolGradNonOverlapping(xs, backend.typedArrayFromHeap(output), dys, dx, grid);
      else maxPoolGradByLoops(xs, dys, dx, grid);
      return out;
    },
  };
}
