/**
 * Test fixture: a tiny `slice`-kind model folder (64 px, bss windows, context 1 → 9 channels;
 * Conv → GAP → Dense(6, sigmoid) with seeded weights), exported to ONNX by ichscan's exporter.
 * Its outputs mean nothing; tests use it for formats, grouping and plumbing only.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/random.js';
import { SUBTYPES } from '../../src/core/subtypes.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { exportLayersModelToOnnx } from '../../src/model/onnx/export.js';
import { MODEL_FORMAT, type ModelCard } from '../../src/model/card/model-card.js';
import { writeModelFolder } from '../../src/model/card/model-folder.js';

export async function writeTinyModel(dir: string, seed = 3): Promise<ModelCard> {
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [64, 64, 9], filters: 4, kernelSize: 3, strides: 4, activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 6, activation: 'sigmoid' }),
    ],
  });
  const rng = createRng(seed);
  m.setWeights(m.weights.map((w) => tf.tensor(Float32Array.from({ length: w.shape.reduce((a, b) => (a ?? 1) * (b ?? 1), 1) ?? 1 }, () => rng.normal() * 0.5), w.shape as number[])));
  const card: ModelCard = {
    format: MODEL_FORMAT,
    kind: 'slice',
    architecture: 'tiny-test-cnn',
    inputSize: 64,
    windows: [...(WINDOW_STACKS['bss'] ?? [])],
    context: 1,
    outputs: SUBTYPES,
    thresholds: { any: 0.5 },
    trainingData: { summary: 'none (random weights, test fixture)' },
    validation: {},
    created: '2026-01-01',
  };
  writeModelFolder(dir, card, { 'model.onnx': exportLayersModelToOnnx(m) });
  m.dispose();
  return card;
}
