/** `ichscan bench train --json` on a tiny input; FLOP count checked against a hand count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliCaptured } from '../helpers/cli.js';

test('bench train --json reports throughput and the hand-counted FLOPs of simple-cnn @32', async () => {
  const r = await runCliCaptured(['bench', 'train', '--model', 'simple-cnn', '--size', '32', '--batch', '2', '--steps', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, number | string>;
  for (const k of ['model', 'size', 'batch', 'imgPerSec', 'gflopsPerImage', 'peakRssMb']) assert.ok(k in j, k);
  assert.equal(j['model'], 'simple-cnn');
  assert.ok((j['imgPerSec'] as number) > 0);
  // Multiply-adds by hand: conv1 30·30·(3·3·3)·32 = 777,600; conv2 13·13·(3·3·32)·64 = 3,115,008;
  // fc1 (6·6·64)·64 = 147,456; output 64·6 = 384 → 4,040,448 MACs = 0.008080896 GFLOP.
  assert.ok(Math.abs((j['gflopsPerImage'] as number) - 0.008080896) < 1e-9, String(j['gflopsPerImage']));
});
