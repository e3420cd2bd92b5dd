/**
 * Prepacked inference convolutions A/B in one process: InceptionV3 forward passes on the torch
 * backend with packs off (at::convolution, 1×1 as GEMMs), on for all convolutions, and on for all
 * but 1×1 ('spatial'), interleaved round by round with ONNX Runtime on the same weights, so machine
 * load hits every variant alike. Prints, per variant, the fastest and the median batch (ms, img/s).
 * usage: npm run build && node dist/bench/torch-prepack.bench.js [--rounds 8] [--threads 2] [--batch 8] [--size 256]
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/model/engine/index.js';
import { buildModel } from '../src/model/architectures/index.js';
import { exportLayersModelToOnnx } from '../src/model/onnx/export.js';
import { createOnnxEngine } from '../src/model/onnx/runner.js';
import type { TorchBackend } from '../src/model/engine/torch-backend.js';
import type { PrepackMode } from '../src/model/engine/torch-conv-pack.js';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const rounds = flag('rounds', 8);
const threads = flag('threads', 2);
const batch = flag('batch', 8);
const size = flag('size', 256);

await initBackend('torch', { threads });
const backend = tf.backend() as TorchBackend;
const model = await buildModel('inceptionv3', { size, channels: 3, seed: 1 });
const x = tf.randomUniform([batch, size, size, 3]) as tf.Tensor4D;
const engine = await createOnnxEngine(exportLayersModelToOnnx(model), { provider: 'cpu', threads });
const data = x.dataSync() as Float32Array;

const torchRun = (mode: PrepackMode) => async (): Promise<void> => {
  backend.convPacks.mode = mode;
  tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
};
const variants: [string, () => Promise<void>][] = [
  ['torch, packs off', torchRun('off')],
  ['torch, packs on', torchRun('all')],
  ['torch, packs on except 1×1', torchRun('spatial')],
  ['ONNX Runtime', async () => void (await engine.run({ data, shape: [batch, size, size, 3] }))],
];
const ms = new Map<string, number[]>(variants.map(([k]) => [k, []]));
// One warm-up each (oneDNN's primitives, the packs, ORT's first run).
for (const [, f] of variants) await f();
const loads: number[] = [];
for (let r = 0; r < rounds; r++) {
  for (const [k, f] of variants) {
    const t0 = performance.now();
    await f();
    ms.get(k)?.push(performance.now() - t0);
    loads.push(loadavg()[0] ?? 0);
  }
}
await engine.dispose();

const ort = ms.get('ONNX Runtime') ?? [];
const sorted = (a: number[]): number[] => [...a].sort((p, q) => p - q);
const min = (a: number[]): number => sorted(a)[0] ?? NaN;
const median = (a: number[]): number => sorted(a)[Math.floor(a.length / 2)] ?? NaN;
console.log(`| InceptionV3 @${size} b${batch}, ${threads} threads | fastest ms (img/s) | median ms (img/s) | / ORT (fastest, median) |`);
console.log('|---|---|---|---|');
for (const [k, a] of ms) {
  const ips = (t: number): string => `${t.toFixed(0)} (${((1000 * batch) / t).toFixed(1)})`;
  console.log(`| ${k} | ${ips(min(a))} | ${ips(median(a))} | ${(min(ort) / min(a)).toFixed(2)}×, ${(median(ort) / median(a)).toFixed(2)}× |`);
}
console.log(`\n${rounds} interleaved rounds after one warm-up each, ${new Date().toISOString()}, load average (1 min) ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}`);
