/**
 * Side by side, in one run: ichscan `bench train --backend torch` against PyTorch (Debian
 * python3-torch, bench/pytorch_train.py) on the same configurations, each in a fresh process, one
 * after the other; PyTorch twice, with OpenMP's default (spinning) wait policy and with the
 * PASSIVE one the torch backend sets; then torch-backend inference against ONNX Runtime in this
 * process. Prints Markdown tables.
 * usage: npm run build && node dist/bench/torch-vs-pytorch.bench.js [--threads 2] [--steps 3] [--inference-only]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/model/engine/index.js';
import { buildModel } from '../src/model/architectures/index.js';
import { exportLayersModelToOnnx } from '../src/model/onnx/export.js';
import { createOnnxEngine } from '../src/model/onnx/runner.js';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const threads = flag('threads', availableParallelism());
const steps = flag('steps', 3);
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Row {
  what: string;
  ours: number;
  theirs: number;
  theirsPassive: number;
}

function json(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { imgPerSec: number } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24, env });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as { imgPerSec: number };
}

const configs: [string, number, number][] = [
  ['inceptionv3', 256, 8],
  ['simple-cnn', 256, 16],
  ['inceptionv3', 256, 32],
];
const rows: Row[] = [];
for (const [model, size, batch] of argv.includes('--inference-only') ? [] : configs) {
  const common = ['--model', model, '--size', String(size), '--batch', String(batch), '--steps', String(steps)];
  const ours = json(process.execPath, ['dist/src/cli/main.js', 'bench', 'train', ...common, '--backend', 'torch', '--threads', String(threads), '--json']);
  const py = ['bench/pytorch_train.py', ...common, '--threads', String(threads)];
  const theirs = json('/usr/bin/python3', py, { ...process.env, OMP_WAIT_POLICY: undefined });
  const theirsPassive = json('/usr/bin/python3', py, { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' });
  rows.push({ what: `${model} @${size} b${batch} train`, ours: ours.imgPerSec, theirs: theirs.imgPerSec, theirsPassive: theirsPassive.imgPerSec });
  console.error(`${rows.at(-1)?.what}: torch backend ${ours.imgPerSec.toFixed(2)} img/s, PyTorch ${theirs.imgPerSec.toFixed(2)} / ${theirsPassive.imgPerSec.toFixed(2)} (passive) img/s`);
}

/** Forward img/s of InceptionV3 @256 b8 through the torch backend and through ONNX Runtime (same weights). */
async function inference(): Promise<[number, number]> {
  await initBackend('torch', { threads });
  const model = await buildModel('inceptionv3', { size: 256, channels: 3, seed: 1 });
  const x = tf.randomUniform([8, 256, 256, 3]) as tf.Tensor4D;
  const time = async (f: () => Promise<void>): Promise<number> => {
    await f();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await f();
    return (8 * steps) / ((performance.now() - t0) / 1000);
  };
  const ours = await time(async () => {
    tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  });
  const engine = await createOnnxEngine(exportLayersModelToOnnx(model), { provider: 'cpu', threads });
  const data = x.dataSync() as Float32Array;
  const ort = await time(async () => {
    await engine.run({ data, shape: [8, 256, 256, 3] });
  });
  await engine.dispose();
  return [ours, ort];
}
const [inferTorch, inferOrt] = await inference();

console.log(`| configuration | ichscan --backend torch img/s | PyTorch img/s (OpenMP default) | PyTorch img/s (OMP_WAIT_POLICY=PASSIVE) | torch / PyTorch (best) |`);
console.log(`|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.what} | ${r.ours.toFixed(2)} | ${r.theirs.toFixed(2)} | ${r.theirsPassive.toFixed(2)} | ${(r.ours / Math.max(r.theirs, r.theirsPassive)).toFixed(2)}× |`);
console.log(`\n| inference, InceptionV3 @256 b8 | img/s |\n|---|---|\n| ichscan --backend torch | ${inferTorch.toFixed(2)} |\n| ONNX Runtime (onnxruntime-node, CPU) | ${inferOrt.toFixed(2)} |\n| torch / ORT | ${(inferTorch / inferOrt).toFixed(2)}× |`);
console.log(`\n${threads} threads, ${steps} timed steps/runs after one warm-up, ${new Date().toISOString()}, load average (1 min) at the end ${loadavg()[0]?.toFixed(2)}`);
