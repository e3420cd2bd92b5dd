/**
 * Writing model folders: `model.json` (the card) plus the ONNX file(s) it names. Never overwrites
 * an existing folder's card unless `force` (ICH_E_OUTPUT_EXISTS); files are written to a temporary
 * name and renamed, so a killed write never leaves a half model behind.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ichError } from '../../core/errors.js';
import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import { MODEL_CARD_FILE, type ModelCard } from './model-card.js';

function writeAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Writes `files` (name → bytes) and then the card into `dir`. */
export function writeModelFolder(dir: string, card: ModelCard, files: Record<string, Uint8Array>, force = false): void {
  const cardFile = join(dir, MODEL_CARD_FILE);
  if (existsSync(cardFile) && !force) throw ichError('ICH_E_OUTPUT_EXISTS', 'a model is already there (use --force to replace it)', { file: cardFile });
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeAtomic(join(dir, name), bytes);
  writeAtomic(cardFile, `${JSON.stringify(card, null, 2)}\n`);
}

/**
 * ONNX of a logistic head: [n, F] → sigmoid(x·W + b) → [n, K]. `weights` is row-major [F, K].
 */
export function buildLogisticHeadOnnx(weights: Float32Array, bias: Float32Array, features: number, docString: string): Uint8Array {
  const k = bias.length;
  if (weights.length !== features * k) throw ichError('ICH_E_EXPORT', `head weights ${weights.length} ≠ ${features}×${k}`);
  const g = new OnnxGraphBuilder();
  g.uniqueName('input');
  g.inputs.push(OnnxGraphBuilder.valueInfo('input', [null, features]));
  const w = g.addFloat('head_W', [features, k], weights);
  const b = g.addFloat('head_B', [k], bias);
  const z = g.addNode('Gemm', ['input', w, b], 'head_logits');
  g.uniqueName('output');
  g.nodes.push({ opType: 'Sigmoid', input: [z], output: ['output'], name: 'output_Sigmoid', attribute: [] });
  g.outputs.push(OnnxGraphBuilder.valueInfo('output', [null, k]));
  return g.encode('logistic-head', docString);
}
