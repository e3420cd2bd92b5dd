/**
 * Selecting the torch backend: the name parses; without the addon the error is coded and says how
 * to get libtorch; `--device cuda` on a CPU-only libtorch is a clear error; `bench train` reports
 * that torch ran.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName } from '../../../src/model/engine/index.js';
import { loadTorchAddon } from '../../../src/model/engine/torch-addon.js';
import { isIchError } from '../../../src/core/errors.js';
import { benchTrain } from '../../../src/train/bench.js';
import { torchSkipReason } from './torch-compare.js';

test('torch is a backend name', () => {
  assert.equal(parseBackendName('torch'), 'torch');
});

test('an addon that is not built: ICH_E_BACKEND_UNAVAILABLE naming libtorch-dev and build:torch', () => {
  const before = process.env.ICHSCAN_TORCH_ADDON;
  process.env.ICHSCAN_TORCH_ADDON = '/nonexistent/ichscan_torch.node';
  try {
    assert.throws(() => loadTorchAddon(), (e) => isIchError(e, 'ICH_E_BACKEND_UNAVAILABLE') && /libtorch-dev/.test(e.message) && /build:torch/.test(e.message));
  } finally {
    if (before === undefined) delete process.env.ICHSCAN_TORCH_ADDON;
    else process.env.ICHSCAN_TORCH_ADDON = before;
  }
});

test('--device cuda without a CUDA libtorch is ICH_E_BACKEND_UNAVAILABLE; bench train --backend torch reports torch', { skip: torchSkipReason() }, async (t) => {
  const addon = loadTorchAddon();
  if (addon.cudaAvailable()) t.diagnostic('this libtorch has CUDA: the error case is not checked');
  else await assert.rejects(initBackend('torch', { device: 'cuda' }), (e) => isIchError(e, 'ICH_E_BACKEND_UNAVAILABLE') && /CUDA/.test(e.message));
  assert.equal(await initBackend('torch', { threads: 1, device: 'cpu' }), 'torch');
  assert.equal(addon.getThreads(), 1);
  const r = await benchTrain({ model: 'simple-cnn', size: 32, batch: 2, steps: 1, channels: 3, seed: 0 });
  assert.equal(r.backend, 'torch');
  assert.equal(tf.getBackend(), 'torch');
  assert.ok(r.imgPerSec > 0);
});
