/**
 * add-localiser: the card gains `localiser` (seg.onnx, stride 2, SUBTYPES channels), the trainer's
 * sidecar under trainingData.localiser and one note (replaced, not duplicated, when rerun); the
 * verdict's parts (trunk, head, thresholds) are untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUBTYPES } from '../../../src/core/subtypes.js';
import { MODEL_FORMAT, type ModelCard } from '../../../src/model/card/model-card.js';
import { withLocaliser } from '../../../src/train/default-model/add-localiser.js';

test('withLocaliser names seg.onnx and keeps the verdict parts', () => {
  const card: ModelCard = {
    format: MODEL_FORMAT, kind: 'embedding-head', architecture: 'x', inputSize: 256, windows: [{ name: 'brain', level: 40, width: 80 }], context: 0, outputs: SUBTYPES,
    trunk: { features: 0, huFeatures: true, bloodMap: { file: 'blood.onnx', stride: 4 }, studyHead: true },
    thresholds: { any: 0.0754 }, studyThresholds: { any: 0.3465 }, trainingData: { summary: 's' }, validation: { v: 1 }, created: '2026-12-01', notes: ['a'],
  };
  const once = withLocaliser(card, { steps: 10 }, 'why');
  const twice = withLocaliser(once, { steps: 20 }, undefined);
  assert.deepEqual(twice.localiser, { file: 'seg.onnx', architecture: 'bleedseg-fine', stride: 2, channels: SUBTYPES });
  assert.deepEqual(twice.trainingData['localiser'], { steps: 20 });
  assert.equal(twice.notes?.filter((n) => n.startsWith('Localiser:')).length, 1);
  assert.equal(twice.notes?.[0], 'a');
  assert.deepEqual([twice.trunk, twice.thresholds, twice.studyThresholds, twice.validation], [card.trunk, card.thresholds, card.studyThresholds, card.validation]);
});
