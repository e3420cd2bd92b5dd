/**
 * `ichscan bench train --model <name> --size S --batch B --steps N [--json]`: training throughput
 * on random data (see docs/commands/bench-train.md).
 */
import { getBool, getInt, getString } from '../args.js';
import type { Command } from '../command.js';
import { MODEL_FLAGS, parseTorchOptions } from './model-flags.js';
import { DEFAULT_ARCHITECTURE, parseArchitectureName } from '../../model/architectures/index.js';
import { initBackend, parseBackendName } from '../../model/engine/index.js';
import { benchTrain } from '../../train/bench.js';

export const benchTrainCommand: Command = {
  spec: {
    name: 'bench train',
    summary: 'Measure training throughput (img/s) of a model on random data',
    usage: 'ichscan bench train --model <name> [--size 256] [--batch 16] [--steps 5] [--json]',
    flags: {
      ...MODEL_FLAGS,
      steps: { type: 'number', arg: '<n>', help: 'Timed steps after one warm-up step (default 5)' },
      channels: { type: 'number', arg: '<c>', help: 'Input channels (default 3)' },
      json: { type: 'boolean', help: 'Print {"model","size","batch","imgPerSec","gflopsPerImage","peakRssMb","stepSeconds","backend","replicas"}' },
    },
  },
  async run(args, io) {
    const backend = parseBackendName(getString(args, 'backend') ?? 'wasm');
    const opts = {
      model: parseArchitectureName(getString(args, 'model') ?? DEFAULT_ARCHITECTURE),
      size: getInt(args, 'size', 16, 1024) ?? 256,
      batch: getInt(args, 'batch', 1, 4096) ?? 16,
      steps: getInt(args, 'steps', 1, 10000) ?? 5,
      channels: getInt(args, 'channels', 1, 64) ?? 3,
      seed: getInt(args, 'seed', 0, 0xffffffff) ?? 0,
      replicas: getInt(args, 'replicas', 1, 2) === 2 ? (2 as const) : (1 as const),
    };
    await initBackend(backend, parseTorchOptions(args));
    const r = await benchTrain(opts);
    if (getBool(args, 'json')) {
      io.stdout.write(`${JSON.stringify(r)}\n`);
    } else {
      io.stdout.write(
        `${r.model} @${r.size} batch ${r.batch} on ${r.backend}${r.replicas === 2 ? ' ×2 replicas' : ''}: ${r.imgPerSec.toFixed(2)} img/s (${r.stepSeconds.toFixed(2)} s/step), ` +
          `${r.gflopsPerImage.toFixed(2)} GFLOP/image forward, ${(r.imgPerSec * r.gflopsPerImage * 3).toFixed(1)} GFLOP/s (train ≈ 3× forward), peak RSS ${r.peakRssMb.toFixed(0)} MB\n`,
      );
    }
    return 0;
  },
};
