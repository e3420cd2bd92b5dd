/** Flag parsing shared by the inference commands (predict, submit, evaluate, bench infer). */
import { ichError } from '../../core/errors.js';
import type { OnnxProvider } from '../../model/onnx/runner.js';

export function parseProvider(s: string | undefined): OnnxProvider {
  const v = s ?? 'auto';
  if (v !== 'auto' && v !== 'cpu' && v !== 'cuda') throw ichError('ICH_E_USAGE', `--provider must be auto, cpu or cuda, got "${v}"`);
  return v;
}
