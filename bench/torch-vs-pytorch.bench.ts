/**
 * Side by side, in one run: ichscan `bench train --backend torch` against PyTorch (Debian
 * python3-torch, bench/pytorch_train.py) on the same configurations, each in a fresh process, one
 * after the other; then torch-backend inference against ONNX Runtime. Prints a Markdown table.
 * usage: npm run build && node dist/bench/torch-vs-pytorch.bench.js [--threads 2] [--steps 3]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

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
}

function json(cmd: string, args: string[]): { imgPerSec: number } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
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
for (const [model, size, batch] of configs) {
  const common = ['--model', model, '--size', String(size), '--batch', String(batch), '--steps', String(steps)];
  const ours = json(process.execPath, ['dist/src/cli/main.js', 'bench', 'train', ...common, '--backend', 'torch', '--threads', String(threads), '--json']);
  const theirs = json('/usr/bin/python3', ['bench/pytorch_train.py', ...common, '--threads', String(threads)]);
  rows.push({ what: `${model} @${size} b${batch} train`, ours: ours.imgPerSec, theirs: theirs.imgPerSec });
  console.error(`${rows.at(-1)?.what}: torch backend ${ours.imgPerSec.toFixed(2)} img/s, PyTorch ${theirs.imgPerSec.toFixed(2)} img/s`);
}
console.log(`| configuration | ichscan --backend torch img/s | PyTorch img/s | ratio |`);
console.log(`|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.what} | ${r.ours.toFixed(2)} | ${r.theirs.toFixed(2)} | ${(r.ours / r.theirs).toFixed(2)}× |`);
console.log(`\n${threads} threads, ${steps} timed steps after one warm-up, ${new Date().toISOString()}, load average before/after ${loadavg()[0]?.toFixed(2)}`);
