/** Backend selection: names, the optional native backend's clear error, wasm with ichscan's kernels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName } from '../../../src/model/engine/index.js';
import { isIchError } from '../../../src/core/errors.js';

test('parseBackendName accepts wasm|cpu|tensorflow and rejects others with ICH_E_USAGE', () => {
  assert.equal(parseBackendName('cpu'), 'cpu');
  assert.throws(() => parseBackendName('webgl'), (e) => isIchError(e, 'ICH_E_USAGE'));
});

test('tensorflow without @tensorflow/tfjs-node installed: ICH_E_BACKEND_UNAVAILABLE naming the package', async (t) => {
  try {
    await import('@tensorflow/tfjs-node' as string);
    t.skip('@tensorflow/tfjs-node is installed here');
    return;
  } catch {
    // expected on a plain install
  }
  await assert.rejects(initBackend('tensorflow'), (e) => isIchError(e, 'ICH_E_BACKEND_UNAVAILABLE') && /tfjs-node/.test(e.message));
});

test('wasm becomes the active backend with ichscan gradient kernels; production mode silences tfjs warnings', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad']) {
    assert.ok(tf.getKernel(k, 'wasm'), k);
  }
  assert.equal(tf.env().getBool('PROD'), true);
});
