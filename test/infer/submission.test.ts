/** The Kaggle submission format: header, six rows per image in SUBTYPES order, clipping, round trip, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProbability, formatSubmission, readPredictionsCsv } from '../../src/data/submission.js';

test('formatSubmission: header ID,Label, 6 rows per image, sorted, clipped to the metric range', () => {
  const text = formatSubmission({ imageIds: ['ID_b2', 'ID_a1'], probabilities: Float32Array.from([0, 0.5, 1, 0.25, 0.125, 0.75, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'ID,Label');
  assert.equal(lines.length, 1 + 12);
  assert.deepEqual(lines.slice(1, 7).map((l) => l.split(',')[0]), ['ID_a1_epidural', 'ID_a1_intraparenchymal', 'ID_a1_intraventricular', 'ID_a1_subarachnoid', 'ID_a1_subdural', 'ID_a1_any']);
  assert.equal(lines[7], 'ID_b2_epidural,1e-15');
  assert.equal(lines[9], 'ID_b2_intraventricular,0.999999999999999');
  assert.equal(lines[8], 'ID_b2_intraparenchymal,0.5');
  assert.equal(formatProbability(0.30000001192092896), '0.3');
  assert.throws(() => formatSubmission({ imageIds: ['ID_a', 'ID_a'], probabilities: new Float32Array(12) }), /twice/);
  assert.throws(() => formatProbability(NaN), /not finite/);
});

test('readPredictionsCsv round-trips and rejects malformed files naming the line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-sub-'));
  const f = join(dir, 's.csv');
  writeFileSync(f, formatSubmission({ imageIds: ['ID_01', 'ID_02'], probabilities: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.15, 0.25, 0.35]) }));
  const back = readPredictionsCsv(f);
  assert.deepEqual(back.imageIds, ['ID_01', 'ID_02']);
  assert.ok(Math.abs((back.probabilities[11] as number) - 0.35) < 1e-7);
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'ID,Label\nID_01_any,1.5\n');
  assert.throws(() => readPredictionsCsv(bad), (e: unknown) => (e as { code?: string }).code === 'ICH_E_BAD_LABELS' && /line 2/.test((e as Error).message));
  writeFileSync(bad, 'ID,Label\nID_01_any,0.5\n');
  assert.throws(() => readPredictionsCsv(bad), /lacks some of the six labels/);
  writeFileSync(bad, 'Image,Prob\n');
  assert.throws(() => readPredictionsCsv(bad), /header/);
});
