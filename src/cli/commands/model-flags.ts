/** Flags shared by the commands that build a zoo model (`train`, `bench train`). */
import type { FlagSpec } from '../args.js';
import { ARCHITECTURES, DEFAULT_ARCHITECTURE } from '../../model/architectures/index.js';
import { BACKEND_NAMES } from '../../model/engine/index.js';

export const MODEL_FLAGS: Record<'model' | 'size' | 'batch' | 'seed' | 'backend' | 'replicas', FlagSpec> = {
  model: { type: 'string', arg: '<name>', help: `Architecture: ${Object.keys(ARCHITECTURES).join(', ')} (default ${DEFAULT_ARCHITECTURE})` },
  size: { type: 'number', arg: '<px>', help: 'Input size in pixels, square (default 256)' },
  batch: { type: 'number', arg: '<n>', help: 'Images per (micro-)batch (default 16)' },
  seed: { type: 'number', arg: '<s>', help: 'Seed of the initial weights (and, in train, of sampling and augmentation) (default 0)' },
  backend: { type: 'string', arg: '<name>', help: `Compute backend: ${BACKEND_NAMES.join(' | ')} (default wasm)` },
  replicas: { type: 'number', arg: '<1|2>', help: '2 = a second training replica on a worker thread (data parallel on two cores; default 1)' },
};
