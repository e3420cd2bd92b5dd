/**
 * A training run → a model folder that predict/submit/evaluate use: the run's best model
 * (`<run>/model/`, tfjs layers format) is exported to ONNX, checked against tfjs on random input
 * (refused when they differ by more than 1e-4), and described by a card built from the run's
 * `config.json` and its best epoch in `metrics.jsonl`.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ichError } from '../core/errors.js';
import { createRng } from '../core/random.js';
import { SUBTYPES } from '../core/subtypes.js';
import { parseWindowList } from '../core/windows.js';
import { exportLayersModelToOnnx } from '../model/onnx/export.js';
import { createOnnxEngine, createTfjsEngine } from '../model/onnx/runner.js';
import { readModelDir } from '../train/model-io.js';
import { BEST_MODEL_DIR, readEpochRecords, readRunConfig } from '../train/run-dir.js';
import { MODEL_FORMAT, type ModelCard } from '../model/card/model-card.js';
import { writeModelFolder } from '../model/card/model-folder.js';

/** Largest |ONNX − tfjs| tolerated by an export (parity tests reach ~1e-6). */
export const EXPORT_TOLERANCE = 1e-4;

export interface ExportResult {
  card: ModelCard;
  /** Largest |ONNX − tfjs| on the check batch. */
  maxAbsDiff: number;
  onnxBytes: number;
}

/** Exports `runDir` into `outDir`. Throws ICH_E_EXPORT when parity fails, ICH_E_OUTPUT_EXISTS without force. */
export async function exportRunToModelFolder(runDir: string, outDir: string, force = false): Promise<ExportResult> {
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const config = readRunConfig(runDir);
  const model = await readModelDir(join(runDir, BEST_MODEL_DIR));
  const windows = parseWindowList(config.windows);
  const channels = windows.length * (config.context === 1 ? 3 : 1);
  const onnx = exportLayersModelToOnnx(model, { docString: `${config.model} from ${runDir}` });
  // parity on 2 random images in [0, 1]
  const rng = createRng(1);
  const data = Float32Array.from({ length: 2 * config.size * config.size * channels }, () => rng.next());
  const batch = { dtype: 'float32' as const, data, shape: [2, config.size, config.size, channels] as const };
  const want = await createTfjsEngine(model, tf).run(batch);
  const engine = await createOnnxEngine(onnx, { provider: 'cpu' });
  const got = await engine.run(batch);
  await engine.dispose();
  model.dispose();
  let maxAbsDiff = 0;
  for (let i = 0; i < want.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs((got[i] as number) - (want[i] as number)));
  if (!(maxAbsDiff <= EXPORT_TOLERANCE) || got.length !== want.length) throw ichError('ICH_E_EXPORT', `ONNX output differs from tfjs by ${maxAbsDiff}`, { file: runDir });
  const epochs = readEpochRecords(runDir);
  const best = epochs.filter((e) => e.best).pop() ?? epochs[epochs.length - 1];
  const card: ModelCard = {
    format: MODEL_FORMAT,
    kind: 'slice',
    architecture: config.model,
    inputSize: config.size,
    windows,
    context: config.context,
    outputs: SUBTYPES,
    trainingData: { run: runDir, db: config.db, fold: config.fold, sampling: config.sampling, augment: config.augment, loss: config.loss, epochs: config.epochs, seed: config.seed },
    validation: best ? { method: `held-out fold ${config.fold} of the run's index (patient-grouped)`, epoch: best.epoch, ...best.val } : {},
    created: new Date().toISOString().slice(0, 10),
    notes: [`exported by ichscan export; ONNX vs tfjs max |diff| ${maxAbsDiff.toExponential(2)} on random input`],
  };
  writeModelFolder(outDir, card, { 'model.onnx': onnx }, force);
  return { card, maxAbsDiff, onnxBytes: onnx.length };
}
