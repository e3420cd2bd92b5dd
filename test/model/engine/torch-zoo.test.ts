/**
 * Every zoo architecture trains the same on `torch` as on `wasm`, from the same seeded weights and
 * batch: (1) one forward/backward pass gives the same gradient for every trainable weight (≤ 2e-3
 * relative to the weight's largest gradient; measured ≤ 3e-4), (2) three SGD steps give the same
 * loss curve (≤ 2e-3 through the first update, ≤ 3% after: with batch norm over 3 images, float32
 * rounding differences grow step by step — tfjs `cpu` differs from both by as much, see
 * docs/torch-backend.md). `wasm` is the reference because tfjs' `cpu` backend takes hours for these
 * filter gradients; its kernels are themselves checked against `cpu` in this folder. tfjs'
 * AvgPoolGrad (cpu and wasm) divides by k² also where 'same' padding was excluded from the forward
 * average, which is not the forward's gradient; the reference here uses the exact one, as torch does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/model/engine/index.js';
import { ARCHITECTURES, buildModel, type ArchitectureName } from '../../../src/model/architectures/index.js';
import { kaggleWeightedLogLoss } from '../../../src/model/loss.js';
import { trainStep, type MicroBatch } from '../../../src/train/step.js';
import { createRng } from '../../../src/core/random.js';
import { initTorchForTests, torchSkipReason } from './torch-compare.js';

const skip = torchSkipReason();
const STEPS = 3;

function batchOf(n: number, size: number, seed: number): MicroBatch {
  const rng = createRng(seed);
  return {
    x: { dtype: 'float32', data: Float32Array.from({ length: n * size * size * 3 }, () => rng.next()), shape: [n, size, size, 3] },
    y: Float32Array.from({ length: n * 6 }, () => (rng.chance(0.3) ? 1 : 0)),
  };
}

/** Replaces wasm's AvgPoolGrad by the exact gradient of the padding-excluding average; returns the undo. */
function useExactAvgPoolGradOnWasm(): () => void {
  const original = tf.getKernel('AvgPoolGrad', 'wasm');
  if (original) tf.unregisterKernel('AvgPoolGrad', 'wasm');
  tf.registerKernel({
    kernelName: 'AvgPoolGrad',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const dy = inputs.dy as tf.Tensor4D;
      const x = inputs.input as tf.Tensor4D;
      const a = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'same' | 'valid'; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
      const [kh, kw] = typeof a.filterSize === 'number' ? [a.filterSize, a.filterSize] : a.filterSize;
      return tf.tidy(() => {
        const ones = tf.ones([kh, kw, x.shape[3], 1]) as tf.Tensor4D;
        const count = tf.depthwiseConv2d(tf.onesLike(x), ones, a.strides, a.pad, 'NHWC', 1, a.dimRoundingMode);
        const attrsOut = { strides: a.strides, pad: a.pad, dilations: 1, dimRoundingMode: a.dimRoundingMode, inputShape: x.shape };
        return tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tf.div(dy, count), filter: ones }, attrsOut as unknown as tf.NamedAttrMap) as tf.Tensor;
      });
    },
  });
  return () => {
    tf.unregisterKernel('AvgPoolGrad', 'wasm');
    if (original) tf.registerKernel(original);
  };
}

interface Run {
  grads: Float32Array[];
  losses: number[];
}

async function runOn(backend: 'wasm' | 'torch', name: ArchitectureName, size: number): Promise<Run> {
  await tf.setBackend(backend);
  const model = await buildModel(name, { size, channels: 3, seed: 3 });
  model.layers.forEach((l) => (l.trainable = true));
  const batch = batchOf(3, size, 5);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const grads = tf.tidy(() => {
    const x = tf.tensor4d(batch.x.data, [...batch.x.shape]);
    const y = tf.tensor2d(batch.y, [3, 6]);
    const g = tf.variableGrads(() => kaggleWeightedLogLoss(y, model.apply(x, { training: true }) as tf.Tensor), vars).grads;
    return vars.map((v) => (g[v.name] as tf.Tensor).dataSync() as Float32Array);
  });
  const optimizer = tf.train.sgd(0.01);
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) losses.push(trainStep(model, optimizer, kaggleWeightedLogLoss, [batch]));
  model.dispose();
  optimizer.dispose();
  return { grads, losses };
}

function relativeError(got: Float32Array, ref: Float32Array): number {
  let maxAbs = 0;
  let maxDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(ref[i] as number));
    maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (ref[i] as number)));
  }
  return maxDiff / Math.max(maxAbs, 1e-8);
}

for (const name of Object.keys(ARCHITECTURES) as ArchitectureName[]) {
  if (name === 'inceptionv3-frozen') continue; // the same network as inceptionv3 with fewer trainable weights
  test(`${name}: the same gradients and ${STEPS}-step loss curve on torch as on wasm`, { skip }, async () => {
    await initBackend('wasm');
    await initTorchForTests();
    const size = name === 'inceptionv3' ? 75 : 32;
    const undo = useExactAvgPoolGradOnWasm();
    let ref: Run;
    try {
      ref = await runOn('wasm', name, size);
    } finally {
      undo();
    }
    const got = await runOn('torch', name, size);
    assert.equal(got.grads.length, ref.grads.length);
    ref.grads.forEach((r, i) => {
      const e = relativeError(got.grads[i] as Float32Array, r);
      assert.ok(e <= 2e-3, `gradient of trainable weight ${i}: relative error ${e.toExponential(2)}`);
    });
    const curves = `torch ${got.losses.map((v) => v.toFixed(5))} vs wasm ${ref.losses.map((v) => v.toFixed(5))}`;
    got.losses.forEach((g, s) => {
      const r = ref.losses[s] as number;
      assert.ok(Math.abs(g - r) <= (s <= 1 ? 2e-3 : 3e-2) * Math.abs(r), `step ${s}: ${curves}`);
    });
    assert.ok((ref.losses[STEPS - 1] as number) < (ref.losses[0] as number), `the loss falls: ${curves}`);
  });
}
