/**
 * Helpers for the torch-backend tests: whether they can run (the addon built; in CI it must be),
 * and a runner that evaluates one function, and its input gradients, on the `cpu` reference and on
 * `torch` with identical inputs, comparing within a relative tolerance (max |Δ| / max |reference|).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/random.js';
import { initBackend, torchAddonBuilt } from '../../../src/model/engine/index.js';

/** undefined when the torch tests can run; else why they skip. In CI (CI=true) a missing addon fails. */
export function torchSkipReason(): string | undefined {
  if (torchAddonBuilt()) return undefined;
  if (process.env.CI === 'true') throw new Error('the torch addon is not built in CI: .ci/run installs libtorch-dev, so npm ci should have built it (npm run build:torch shows why not)');
  return 'torch addon not built here (install libtorch-dev, then npm run build:torch)';
}

let ready = false;
/** One ATen thread: the test runner runs two test files at once on two cores (OpenMP threads would contend). */
export async function initTorchForTests(): Promise<void> {
  if (ready) return;
  await initBackend('torch', { threads: 1 });
  ready = true;
}

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

export interface Input {
  shape: number[];
  /** Values (default: uniform in [-1, 1) from the input's position as seed). */
  data?: Float32Array | Int32Array;
  dtype?: 'float32' | 'int32' | 'bool';
}

export interface Case {
  inputs: Input[];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  /** Also compare d(Σ f·R)/d(float inputs) for a fixed random R. */
  grad?: boolean;
}

function materialise(inputs: Input[]): Input[] {
  return inputs.map((x, i) => ({ ...x, data: x.data ?? randomArray(x.shape.reduce((a, b) => a * b, 1), 1000 + i) }));
}

async function runOn(backend: 'cpu' | 'torch', c: Case, inputs: Input[]): Promise<{ values: ArrayLike<number>[]; dtypes: string[]; shapes: number[][] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((x) => tf.tensor(x.data ?? [], x.shape, x.dtype ?? 'float32'));
    const y = c.f(...xs);
    const outs: tf.Tensor[] = [y];
    if (c.grad) {
      const r = tf.tensor(randomArray(y.size, 99), y.shape);
      const floatIdx = xs.map((x, i) => (x.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
      const g = tf.grads((...fx: tf.Tensor[]) => {
        const all = xs.slice();
        floatIdx.forEach((k, j) => (all[k] = fx[j] as tf.Tensor));
        return tf.sum(tf.mul(c.f(...all), r));
      });
      outs.push(...g(floatIdx.map((k) => xs[k] as tf.Tensor)));
    }
    return { values: outs.map((t) => Array.from(t.dataSync() as ArrayLike<number>)), dtypes: outs.map((t) => t.dtype), shapes: outs.map((t) => t.shape) };
  });
}

/** Asserts torch matches cpu (values, shapes, dtypes) for the case; returns the worst relative error. */
export async function assertMatchesCpu(name: string, c: Case, relTol = 1e-4): Promise<number> {
  const inputs = materialise(c.inputs);
  const ref = await runOn('cpu', c, inputs);
  const got = await runOn('torch', c, inputs);
  let worst = 0;
  ref.values.forEach((expected, k) => {
    const what = k === 0 ? `${name} forward` : `${name} gradient ${k - 1}`;
    assert.deepEqual(got.shapes[k], ref.shapes[k], `${what}: shape`);
    assert.equal(got.dtypes[k], ref.dtypes[k], `${what}: dtype`);
    const actual = got.values[k] as ArrayLike<number>;
    let maxAbs = 0;
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i] as number;
      const a = actual[i] as number;
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      maxAbs = Math.max(maxAbs, Math.abs(e));
      maxDiff = Math.max(maxDiff, Math.abs(a - e));
    }
    const rel = maxDiff / Math.max(maxAbs, 1e-6);
    assert.ok(rel <= relTol, `${what}: relative error ${rel.toExponential(2)} > ${relTol} (max |Δ| ${maxDiff}, max |ref| ${maxAbs})`);
    worst = Math.max(worst, rel);
  });
  return worst;
}

export { assertClose } from '../../helpers/assert-close.js';
