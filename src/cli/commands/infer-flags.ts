/** Flag parsing shared by the inference commands (predict, submit, evaluate, bench infer). */
import { ichError } from '../../core/errors.js';
import type { OnnxProvider } from '../../model/onnx/runner.js';
import { getInt, getString, type FlagSpec, type ParsedArgs } from '../args.js';

/** ONNX Runtime flags of every command that runs a model. */
export const ENGINE_FLAGS = {
  threads: { type: 'number', arg: '<n>', help: 'ONNX Runtime intra-op threads (0 = one per core)', default: 0 },
  provider: { type: 'string', arg: '<auto|cpu|cuda>', help: 'ONNX Runtime execution provider (auto = CUDA when installed, else CPU)', default: 'auto' },
} as const satisfies Record<string, FlagSpec>;

/** Test-time augmentation and progress flags of the commands that score folders of DICOM. */
export const SCORING_FLAGS = {
  tta: { type: 'string', arg: '<none|flip>', help: 'Test-time augmentation: flip averages with the left-right mirrored slice', default: 'none' },
  quiet: { type: 'boolean', help: 'No progress on stderr' },
} as const satisfies Record<string, FlagSpec>;

export function parseEngineOptions(args: ParsedArgs): { threads: number; provider: OnnxProvider } {
  return { threads: getInt(args, 'threads', 0, 256) ?? 0, provider: parseProvider(getString(args, 'provider')) };
}

export function parseTta(args: ParsedArgs): boolean {
  const v = getString(args, 'tta') ?? 'none';
  if (v !== 'none' && v !== 'flip') throw ichError('ICH_E_USAGE', `--tta must be none or flip, got "${v}"`);
  return v === 'flip';
}

export function parseProvider(s: string | undefined): OnnxProvider {
  const v = s ?? 'auto';
  if (v !== 'auto' && v !== 'cpu' && v !== 'cuda') throw ichError('ICH_E_USAGE', `--provider must be auto, cpu or cuda, got "${v}"`);
  return v;
}
