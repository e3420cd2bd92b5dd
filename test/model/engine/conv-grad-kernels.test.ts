/**
 * ichscan's wasm gradient kernels against tfjs' `cpu` backend kernels (the reference
 * implementation shipped with tfjs 4.22), over strides, paddings, kernel sizes, odd image sizes
 * and (for depthwise convs, whose cpu kernels take dilations) dilations; plus a conv2d dilation case
 * against a direct-loop reference written here from the definition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/model/engine/backend.js';
import { createRng } from '../../../src/core/random.js';
import { assertClose } from '../../helpers/assert-close.js';
import { computeConvGeometry } from '../../../src/model/engine/conv-geometry.js';

type Attrs = Record<string, unknown>;

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Runs one kernel on a backend with fresh tensors; returns its output values. */
async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Record<string, [Float32Array, number[]]>, attrs: Attrs): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const t: Record<string, tf.Tensor> = {};
    for (const [k, [data, shape]] of Object.entries(inputs)) t[k] = tf.tensor(data, shape);
    const out = tf.engine().runKernel(kernel, t as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
}


interface Case {
  h: number;
  w: number;
  k: number;
  s: number | [number, number];
  pad: 'same' | 'valid';
}

const CASES: Case[] = [];
for (const k of [1, 3, 5]) for (const s of [1, 2]) for (const pad of ['same', 'valid'] as const) CASES.push({ h: 9, w: 7, k, s, pad });
CASES.push({ h: 16, w: 16, k: 7, s: 2, pad: 'same' }, { h: 15, w: 12, k: 3, s: [2, 1], pad: 'valid' }, { h: 10, w: 10, k: 3, s: 3, pad: 'same' });
// Strided input gradients take the phase-by-phase path: even kernels (asymmetric 'same' padding),
// kernels smaller than the stride (phases without taps), images smaller than the stride.
CASES.push(
  { h: 9, w: 8, k: 2, s: 2, pad: 'same' },
  { h: 4, w: 5, k: 1, s: 3, pad: 'valid' },
  { h: 2, w: 3, k: 3, s: 2, pad: 'same' },
  { h: 13, w: 11, k: 5, s: 4, pad: 'same' },
  { h: 10, w: 10, k: 4, s: 3, pad: 'valid' },
  { h: 9, w: 12, k: 3, s: [1, 2], pad: 'same' },
);

test('Conv2DBackpropFilter and Conv2DBackpropInput on wasm match cpu', async () => {
  await initBackend('wasm');
  let seed = 1;
  for (const c of CASES) {
    const n = 2, cin = 3, cout = 4;
    const xShape: [number, number, number, number] = [n, c.h, c.w, cin];
    const fShape: [number, number, number, number] = [c.k, c.k, cin, cout];
    await tf.setBackend('cpu');
    const outShape = tf.conv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros(fShape) as tf.Tensor4D, c.s, c.pad).shape as number[];
    const x = randomArray(size(xShape), seed++);
    const f = randomArray(size(fShape), seed++);
    const dy = randomArray(size(outShape), seed++);
    const what = JSON.stringify(c);
    const fAttrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: fShape };
    const dwIn = { x: [x, xShape], dy: [dy, outShape] } as Record<string, [Float32Array, number[]]>;
    assertClose(`filter ${what}`, await runOn('wasm', 'Conv2DBackpropFilter', dwIn, fAttrs), await runOn('cpu', 'Conv2DBackpropFilter', dwIn, fAttrs), 1e-4, 1);
    const iAttrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: xShape };
    const dxIn = { dy: [dy, outShape], filter: [f, fShape] } as Record<string, [Float32Array, number[]]>;
    assertClose(`input ${what}`, await runOn('wasm', 'Conv2DBackpropInput', dxIn, iAttrs), await runOn('cpu', 'Conv2DBackpropInput', dxIn, iAttrs), 1e-4, 1);
  }
});

test('depthwise backprop kernels on wasm match cpu, with channel multipliers', async () => {
  await initBackend('wasm');
  let seed = 100;
  const cases: (Case & { m: number; d: number })[] = [
    ...CASES.map((c) => ({ ...c, m: 1, d: 1 })),
    { h: 9, w: 8, k: 3, s: 1, pad: 'same', m: 2, d: 1 },
    { h: 9, w: 8, k: 3, s: 2, pad: 'valid', m: 2, d: 1 },
  ];
  for (const c of cases) {
    const n = 2, ch = 3;
    const xShape: [number, number, number, number] = [n, c.h, c.w, ch];
    const fShape: [number, number, number, number] = [c.k, c.k, ch, c.m];
    await tf.setBackend('cpu');
    const outShape = tf.depthwiseConv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros(fShape) as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d).shape as number[];
    const x = randomArray(size(xShape), seed++);
    const f = randomArray(size(fShape), seed++);
    const dy = randomArray(size(outShape), seed++);
    const what = JSON.stringify(c);
    const fAttrs = { strides: c.s, pad: c.pad, dilations: c.d, filterShape: fShape };
    const dwIn = { x: [x, xShape], dy: [dy, outShape] } as Record<string, [Float32Array, number[]]>;
    const kF = 'DepthwiseConv2dNativeBackpropFilter';
    assertClose(`dw filter ${what}`, await runOn('wasm', kF, dwIn, fAttrs), await runOn('cpu', kF, dwIn, fAttrs), 1e-4, 1);
    const iAttrs = { strides: c.s, pad: c.pad, dilations: c.d, inputShape: xShape };
    const dxIn = { dy: [dy, outShape], filter: [f, fShape] } as Record<string, [Float32Array, number[]]>;
    const kI = 'DepthwiseConv2dNativeBackpropInput';
    assertClose(`dw input ${what}`, await runOn('wasm', kI, dxIn, iAttrs), await runOn('cpu', kI, dxIn, iAttrs), 1e-4, 1);
  }
});

/**
 * Depthwise gradients from the definition: out[n,i,j,c·m+q] = Σ_{a,b} x[n, i·s+a·d−pt, j·s+b·d−pl, c]·W[a,b,c,q].
 * (tfjs' cpu depthwise backprop kernels ignore dilations, so they cannot be the reference here.)
 */
function depthwiseGradsByLoops(x: Float32Array, f: Float32Array, dy: Float32Array, xs: number[], fs: number[], os: number[], s: number, d: number, pt: number, pl: number): [Float32Array, Float32Array] {
  const [n, h, w, ch] = xs as [number, number, number, number];
  const [k, , , m] = fs as [number, number, number, number];
  const [, ho, wo] = os as [number, number, number, number];
  const dW = new Float32Array(f.length);
  const dX = new Float32Array(x.length);
  for (let b0 = 0; b0 < n; b0++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    const y = i * s + a * d - pt, xx = j * s + b * d - pl;
    if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
    for (let c = 0; c < ch; c++) for (let q = 0; q < m; q++) {
      const g = dy[((b0 * ho + i) * wo + j) * ch * m + c * m + q] as number;
      const xi = ((b0 * h + y) * w + xx) * ch + c;
      const fi = ((a * k + b) * ch + c) * m + q;
      dW[fi]! += (x[xi] as number) * g;
      dX[xi]! += (f[fi] as number) * g;
    }
  }
  return [dW, dX];
}

test('depthwise gradients with dilations match a direct-loop reference', async () => {
  await initBackend('wasm');
  const cases = [
    { h: 11, w: 9, k: 3, pad: 'same' as const, m: 1, d: 2 },
    { h: 11, w: 9, k: 3, pad: 'valid' as const, m: 2, d: 3 },
  ];
  let seed = 300;
  for (const c of cases) {
    const xShape: [number, number, number, number] = [2, c.h, c.w, 3];
    const fShape: [number, number, number, number] = [c.k, c.k, 3, c.m];
    const g = computeConvGeometry(xShape, fShape, 1, c.d, c.pad, undefined, true);
    const outShape = [2, g.outHeight, g.outWidth, 3 * c.m];
    const x = randomArray(size(xShape), seed++);
    const f = randomArray(size(fShape), seed++);
    const dy = randomArray(size(outShape), seed++);
    const [refW, refX] = depthwiseGradsByLoops(x, f, dy, xShape, fShape, outShape, 1, c.d, g.padTop, g.padLeft);
    const attrs = { strides: 1, pad: c.pad, dilations: c.d };
    const dW = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x: [x, xShape], dy: [dy, outShape] }, { ...attrs, filterShape: fShape });
    assertClose(`dilated dw filter ${JSON.stringify(c)}`, dW, refW, 1e-4, 1);
    const dX = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy: [dy, outShape], filter: [f, fShape] }, { ...attrs, inputShape: xShape });
    assertClose(`dilated dw input ${JSON.stringify(c)}`, dX, refX, 1e-4, 1);
  }
});

test('conv2d filter/input gradients with dilation 2 match a direct-loop reference', async () => {
  await initBackend('wasm');
  const [n, h, w, cin, cout, k, d] = [1, 8, 7, 2, 3, 3, 2];
  const xShape = [n, h, w, cin];
  const fShape = [k, k, cin, cout];
  const x = randomArray(size(xShape), 7);
  const f = randomArray(size(fShape), 8);
  // 'valid' with dilation 2: ho = h - (k-1)*d, no padding.
  const ho = h - (k - 1) * d, wo = w - (k - 1) * d;
  const dy = randomArray(n * ho * wo * cout, 9);
  const refW = new Float32Array(size(fShape));
  const refX = new Float32Array(size(xShape));
  for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++)
    for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
      const xi = ((i + a * d) * w + (j + b * d)) * cin + ci;
      const g = dy[(i * wo + j) * cout + co] as number;
      refW[((a * k + b) * cin + ci) * cout + co]! += (x[xi] as number) * g;
      refX[xi]! += (f[((a * k + b) * cin + ci) * cout + co] as number) * g;
    }
  const attrs = { strides: 1, dilations: d, pad: 'valid', dataFormat: 'NHWC' };
  const dW = await runOn('wasm', 'Conv2DBackpropFilter', { x: [x, xShape], dy: [dy, [n, ho, wo, cout]] }, { ...attrs, filterShape: fShape });
  assertClose('dilated filter gradient', dW, refW, 1e-4, 1);
  const dX = await runOn('wasm', 'Conv2DBackpropInput', { dy: [dy, [n, ho, wo, cout]], filter: [f, fShape] }, { ...attrs, inputShape: xShape });
  assertClose('dilated input gradient', dX, refX, 1e-4, 1);
});

test('a full conv-net gradient (tf.grads) on wasm equals cpu and leaks no tensors', async () => {
  await initBackend('wasm');
  const xs = randomArray(2 * 12 * 12 * 3, 21);
  const w1 = randomArray(3 * 3 * 3 * 4, 22);
  const w2 = randomArray(3 * 3 * 4, 23);
  const compute = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const result = tf.tidy(() => {
      const x = tf.tensor4d(xs, [2, 12, 12, 3]);
      const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
        tf.sum(tf.square(tf.depthwiseConv2d(tf.relu(tf.conv2d(x, a as tf.Tensor4D, 2, 'same')), b as tf.Tensor4D, 1, 'valid')));
      return tf.grads(f)([tf.tensor4d(w1, [3, 3, 3, 4]), tf.tensor4d(w2, [3, 3, 4, 1])]).map((g) => g.dataSync() as Float32Array);
    });
    assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
    return result;
  };
  const ref = await compute('cpu');
  const got = await compute('wasm');
  ref.forEach((r, i) => assertClose(`grad ${i}`, got[i] as Float32Array, r, 1e-4, 1));
});
