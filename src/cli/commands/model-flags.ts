/** Flags shared by the commands that build a zoo model (`train`, `bench train`). */
import type { FlagSpec } from '../args.js';
import { ARCHITECTURES, DEFAULT_ARCHITECTURE } from '../../model/architectures/index.js';
import { getInt, getString, type ParsedArgs } from '../args.js';
import { ichError } from '../../core/errors.js';
import { BACKEND_NAMES, type TorchOptions } from '../../model/engine/index.js';

export const MODEL_FLAGS: Record<'model' | 'size' | 'batch' | 'seed' | 'backend' | 'replicas' | 'threads' | 'device', FlagSpec> = {
  model: { type: 'string', arg: '<name>', help: `Architecture: ${Object.keys(ARCHITECTURES).join(', ')} (default ${DEFAULT_ARCHITECTURE})` },
  size: { type: 'number', arg: '<px>', help: 'Input size in pixels, square (default 256)' },
  batch: { type: 'number', arg: '<n>', help: 'Images per (micro-)batch (default 16)' },
  seed: { type: 'number', arg: '<s>', help: 'Seed of the initial weights (and, in train, of sampling and augmentation) (default 0)' },
  backend: { type: 'string', arg: '<name>', help: `Compute backend: ${BACKEND_NAMES.join(' | ')} (default wasm)` },
  replicas: { type: 'number', arg: '<1|2>', help: '2 = a second training replica on a worker thread (data parallel on two cores; default 1)' },
  threads: { type: 'number', arg: '<n>', help: '--backend torch: ATen threads (default: all cores)' },
  device: { type: 'string', arg: '<cpu|cuda>', help: '--backend torch: cpu (default) or cuda (needs a CUDA build of libtorch, LIBTORCH=…)' },
};

/** The --threads / --device options of --backend torch. */
export function parseTorchOptions(args: ParsedArgs): TorchOptions {
  const device = getString(args, 'device') ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda') throw ichError('ICH_E_USAGE', `--device must be cpu or cuda, got "${device}"`);
  const threads = getInt(args, 'threads', 1, 1024);
  return threads === undefined ? { device } : { device, threads };
}
