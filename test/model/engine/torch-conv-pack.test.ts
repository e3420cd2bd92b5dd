/**
 * Prepacked inference convolutions on torch (torch-conv-pack.ts, native/torch/conv-pack.cpp): the
 * packed forward equals the unpacked one (≤ 1e-4 relative) and tfjs `cpu`, over the shapes the
 * zoo uses (1×1, 3×3 same/valid/stride 2, 1×7/7×1, dilation, one input or output channel, 1×1
 * images); no pack is ever stale (a variable assign, setWeights, and the inference fold after a
 * batch-norm change are all seen); gradient tapes never use or make a pack; packs go with their
 * tensors (none left after dispose); without oneDNN packs switch off with a warning. The cache's
 * bookkeeping is also checked on a stub addon (runs without libtorch).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { TorchBackend } from '../../../src/model/engine/torch-backend.js';
import { ConvPackCache, type PrepackMode } from '../../../src/model/engine/torch-conv-pack.js';
import type { TorchAddon } from '../../../src/model/engine/torch-addon.js';
import { assertClose, assertMatchesCpu, initTorchForTests, randomArray, torchSkipReason } from './torch-compare.js';

const skip = torchSkipReason();

function torch(): TorchBackend {
  return tf.findBackend('torch') as TorchBackend;
}

/** Runs `f` on torch with the given pack mode; returns its values. */
function withMode(mode: PrepackMode, f: () => tf.Tensor): Float32Array {
  const b = torch();
  const was = b.convPacks.mode;
  b.convPacks.mode = mode;
  try {
    return tf.tidy(() => f().dataSync() as Float32Array);
  } finally {
    b.convPacks.mode = was;
  }
}

const t4 = (shape: number[], seed: number): tf.Tensor4D => tf.tensor4d(randomArray(shape.reduce((a, b) => a * b, 1), seed), shape as [number, number, number, number]);

type Pad = 'same' | 'valid';
const cases: [string, number[], number[], number, Pad, number][] = [
  ['1×1', [2, 6, 6, 8], [1, 1, 8, 5], 1, 'same', 1],
  ['3×3 same', [2, 9, 9, 3], [3, 3, 3, 5], 1, 'same', 1],
  ['3×3 s2 valid', [2, 11, 11, 4], [3, 3, 4, 6], 2, 'valid', 1],
  ['1×7 same', [1, 9, 9, 4], [1, 7, 4, 3], 1, 'same', 1],
  ['7×1 same', [1, 9, 9, 4], [7, 1, 4, 3], 1, 'same', 1],
  ['3×3 dilation 2', [1, 12, 12, 3], [3, 3, 3, 4], 1, 'same', 2],
  ['one input channel', [2, 8, 8, 1], [3, 3, 1, 4], 1, 'same', 1],
  ['one output channel', [2, 8, 8, 3], [3, 3, 3, 1], 1, 'valid', 1],
  ['1×1 image', [3, 1, 1, 16], [1, 1, 16, 7], 1, 'valid', 1],
];

test('a prepacked conv (linear, bias + relu) equals the unpacked conv and cpu', { skip }, async () => {
  await initTorchForTests();
  for (const [name, xs, ws, s, pad, d] of cases) {
    for (const activation of ['linear', 'relu'] as const) {
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: s, pad, dilations: d, bias: b, activation });
      const co = ws[3] as number;
      await assertMatchesCpu(`packed ${name} ${activation}`, { inputs: [{ shape: xs }, { shape: ws }, { shape: [co] }], f });
      await tf.setBackend('torch');
      const args = (): [tf.Tensor, tf.Tensor, tf.Tensor] => [t4(xs, 1), t4(ws, 2), tf.tensor1d(randomArray(co, 3))];
      const before = torch().addon.convPackCount();
      const packed = withMode('all', () => f(...args()));
      const plain = withMode('off', () => f(...args()));
      assertClose(`${name} ${activation}: packed vs unpacked`, packed, plain);
      assert.equal(torch().addon.convPackCount(), before, `${name}: the packs went with their tensors`);
    }
  }
});

test('a pack is made once per weight and never outlives it: assign and setWeights are seen', { skip }, async () => {
  await initTorchForTests();
  await tf.setBackend('torch');
  const b = torch();
  const base = b.addon.convPackCount();
  const x = t4([2, 7, 7, 3], 4);
  const w0 = t4([3, 3, 3, 4], 5);
  const w = tf.variable(w0);
  // The variable shares w0's data id; the last reference to it is then the variable's.
  w0.dispose();
  const run = (): Float32Array => withMode('all', () => tf.conv2d(x, w as tf.Variable<tf.Rank.R4>, 1, 'same'));
  const first = run();
  run();
  assert.equal(b.addon.convPackCount(), base + 1, 'one pack for two calls with the same weight');
  const next = t4([3, 3, 3, 4], 6);
  w.assign(next);
  assert.equal(b.addon.convPackCount(), base, 'the old pack went with the old weight');
  const second = run();
  assertClose('after assign', second, withMode('off', () => tf.conv2d(x, next, 1, 'same')));
  assert.ok(Math.abs((first[0] as number) - (second[0] as number)) > 1e-6, 'the new weight changed the output');

  const layer = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [7, 7, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' })] });
  const predict = (): Float32Array => withMode('all', () => layer.predict(x) as tf.Tensor);
  predict();
  const weights = [t4([3, 3, 3, 4], 7), tf.tensor1d(randomArray(4, 8))];
  layer.setWeights(weights);
  assertClose('after setWeights', predict(), withMode('off', () => layer.predict(x) as tf.Tensor));
  layer.dispose();
  tf.dispose([x, w, next, ...weights]);
  assert.equal(b.addon.convPackCount(), base, 'no packs left');
});

test('the inference fold on packs follows a batch-norm change; gradient tapes make no packs', { skip }, async () => {
  await initTorchForTests();
  const model = (): tf.LayersModel => {
    const i = tf.input({ shape: [8, 8, 3] });
    const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.randomUniform({ seed: 1 }) }).apply(i) as tf.SymbolicTensor;
    const n = tf.layers.batchNormalization({ axis: 3 }).apply(c) as tf.SymbolicTensor;
    return tf.model({ inputs: i, outputs: tf.layers.activation({ activation: 'relu' }).apply(n) as tf.SymbolicTensor });
  };
  const outputs: Float32Array[][] = [];
  for (const backend of ['cpu', 'torch'] as const) {
    await tf.setBackend(backend);
    const m = model();
    const x = t4([2, 8, 8, 3], 9);
    const got = [tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array)];
    m.layers[2]?.setWeights([tf.tensor1d(randomArray(4, 10, 0.5, 2)), tf.tensor1d(randomArray(4, 11)), tf.tensor1d(randomArray(4, 12)), tf.tensor1d(randomArray(4, 13, 0.5, 2))]);
    got.push(tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array));
    if (backend === 'torch') {
      const packs = torch().addon.convPackCount();
      const w = m.layers[1]?.trainableWeights[0]?.read() as tf.Variable;
      const g = tf.tidy(() => tf.variableGrads(() => tf.sum(m.apply(x, { training: true }) as tf.Tensor), [w]).grads[w.name]?.dataSync() as Float32Array);
      assert.ok(g.some((v) => v !== 0), 'a gradient flowed');
      assert.equal(torch().addon.convPackCount(), packs, 'the tape made no pack');
    }
    outputs.push(got);
    m.dispose();
    x.dispose();
  }
  const [cpu, tch] = outputs as [Float32Array[], Float32Array[]];
  assertClose('fold, initial weights', tch[0] as Float32Array, cpu[0] as Float32Array);
  assertClose('fold, after the batch norm changed', tch[1] as Float32Array, cpu[1] as Float32Array);
});

/** A stub addon: numbered packs, a record of frees, optionally failing to pack. */
function stubAddon(fail: boolean): { addon: TorchAddon; freed: number[] } {
  let next = 1;
  const freed: number[] = [];
  const addon = {
    convPrepack: () => {
      if (fail) throw new Error('no oneDNN here');
      return next++;
    },
    convPackFree: (id: number) => void freed.push(id),
  } as unknown as TorchAddon;
  return { addon, freed };
}

const spec = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], xShape: [2, 8, 8, 3], filterShape: [3, 3, 3, 4], activation: 'relu' };

test('pack cache: one pack per filter, bias and shape; dropping either tensor frees it, once', () => {
  const { addon, freed } = stubAddon(false);
  const c = new ConvPackCache(addon, 'all');
  const [f, b, f2] = [{}, {}, {}];
  assert.equal(c.get(f, 0, b, 1, spec), 1);
  assert.equal(c.get(f, 0, b, 1, spec), 1, 'reused');
  assert.equal(c.get(f, 0, undefined, undefined, spec), 2, 'another bias, another pack');
  assert.equal(c.get(f, 0, b, 1, { ...spec, xShape: [1, 8, 8, 3] }), 3, 'another input shape, another pack');
  assert.equal(c.get(f2, 5, b, 1, spec), 4);
  c.drop(b);
  assert.deepEqual(freed.sort(), [1, 3, 4], 'the packs with that bias went');
  c.drop(f);
  assert.deepEqual(freed.sort(), [1, 2, 3, 4]);
  assert.equal(c.size, 0);
  c.drop(f2);
  assert.equal(freed.length, 4, 'nothing freed twice');
  assert.equal(c.get(f, 0, b, 1, spec), 5, 'a dropped data id packs afresh');
});

test('pack cache: where packing fails, packs switch off with one warning and the caller runs unpacked', async () => {
  const { addon } = stubAddon(true);
  const c = new ConvPackCache(addon, 'all');
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  assert.equal(c.get({}, 0, undefined, undefined, spec), undefined);
  assert.equal(c.mode, 'off');
  assert.equal(c.eligible(spec, false, false), false);
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /no oneDNN here/);
});

test('pack modes: off, spatial (1×1 stays on the GEMM), all; depthwise, PReLU and asymmetric padding never pack', () => {
  const { addon } = stubAddon(false);
  const pointwise = { ...spec, pads: [0, 0, 0, 0], filterShape: [1, 1, 3, 4] };
  assert.equal(new ConvPackCache(addon, 'off').eligible(spec, false, false), false);
  assert.equal(new ConvPackCache(addon, 'spatial').eligible(pointwise, false, false), false);
  assert.equal(new ConvPackCache(addon, 'spatial').eligible(spec, false, false), true);
  const all = new ConvPackCache(addon, 'all');
  assert.equal(all.eligible(pointwise, false, false), true);
  assert.equal(all.eligible(spec, true, false), false);
  assert.equal(all.eligible(spec, false, true), false);
  assert.equal(all.eligible({ ...spec, pads: [0, 1, 0, 1] }, false, false), false);
  assert.equal(all.eligible({ ...spec, activation: 'sigmoid' }, false, false), false);
});
