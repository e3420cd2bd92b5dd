/**
 * Where an InceptionV3 training step's time goes on the torch backend: per-kernel wall time (ms per
 * step, calls per step) from the opt-in profiler (torch-profile.ts), and the rest of the step — tfjs'
 * engine between kernels (tape, tensor tracking, disposal) — as wall minus the kernels' sum.
 * usage: npm run build && ICHSCAN_TORCH_PROFILE=1 OMP_NUM_THREADS=1 node dist/bench/torch-profile.bench.js
 *        [--model inceptionv3] [--size 256] [--batch 8] [--threads 1] [--steps 2] [--infer] [--top 40]
 */
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { initBackend } from '../src/model/engine/index.js';
import { buildModel, type ArchitectureName } from '../src/model/architectures/index.js';
import { kaggleWeightedLogLoss } from '../src/model/loss.js';
import { trainStep } from '../src/train/step.js';
import { resetTorchProfile, torchProfile, torchProfileEnabled } from '../src/model/engine/torch-profile.js';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const model = (argv.includes('--model') ? argv[argv.indexOf('--model') + 1] : 'inceptionv3') as ArchitectureName;
const size = flag('size', 256);
const batch = flag('batch', 8);
const steps = flag('steps', 2);
const top = flag('top', 40);
const infer = argv.includes('--infer');
if (!torchProfileEnabled) console.error('note: ICHSCAN_TORCH_PROFILE=1 is not set; only the step wall time is measured');

await initBackend('torch', { threads: flag('threads', 1) });
const m = await buildModel(model, { size, channels: 3, seed: 1 });
m.layers.forEach((l) => (l.trainable = true));
const x = Float32Array.from({ length: batch * size * size * 3 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
const y = Float32Array.from({ length: batch * 6 }, (_, i) => (i % 5 === 0 ? 1 : 0));
const optimizer = tf.train.adam(1e-4);
const xt = tf.tensor4d(x, [batch, size, size, 3]);
const step = (): void => {
  if (infer) tf.tidy(() => (m.predict(xt) as tf.Tensor).dataSync());
  else trainStep(m, optimizer, kaggleWeightedLogLoss, [{ x: { dtype: 'float32', data: x, shape: [batch, size, size, 3] }, y }]);
};
step(); // warm-up: oneDNN primitives, allocator cache
resetTorchProfile();
const walls: number[] = [];
// Process CPU time (user + system, all threads) per step: on a machine shared with other jobs it
// moves far less than wall time, so A/B comparisons use it alongside the wall time.
const cpu0 = process.cpuUsage();
for (let s = 0; s < steps; s++) {
  const t0 = performance.now();
  step();
  walls.push(performance.now() - t0);
}
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
const wall = walls.reduce((a, b) => a + b, 0) / steps;
const rows = torchProfile();
const kernelMs = rows.reduce((a, r) => a + r.ms, 0) / steps;
const calls = rows.reduce((a, r) => a + r.calls, 0) / steps;
if (torchProfileEnabled) console.log(`| kernel | calls/step | ms/step | % of step |\n|---|---|---|---|`);
if (torchProfileEnabled) for (const r of rows.slice(0, top)) console.log(`| ${r.kernel} | ${r.calls / steps} | ${(r.ms / steps).toFixed(1)} | ${((100 * r.ms) / steps / wall).toFixed(1)} |`);
console.log(`\n${infer ? 'forward' : 'training step'} ${model} @${size} b${batch}: wall ${wall.toFixed(0)} ms/step (steps: ${walls.map((w) => w.toFixed(0)).join(', ')}), CPU ${cpuMs.toFixed(0)} ms/step, ` +
  `kernels ${kernelMs.toFixed(0)} ms in ${calls} calls, between kernels ${(wall - kernelMs).toFixed(0)} ms (${((1000 * (wall - kernelMs)) / calls).toFixed(1)} µs/call); load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
