/** Study verdicts and slice ordering on hand-made inputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUBTYPES, type Subtype } from '../../src/core/subtypes.js';
import { computeVerdict, type SliceScore } from '../../src/infer/verdict.js';
import { join } from 'node:path';
import { groupIntoSeries } from '../../src/data/collect-series.js';
import { slicePosition } from '../../src/dicom/index.js';
import { requireSharedData } from '../helpers/shared-data.js';
import type { CtMeta } from '../../src/dicom/index.js';

function slice(index: number, any: number, subdural = 0): SliceScore {
  const probabilities = Object.fromEntries(SUBTYPES.map((s) => [s, 0.01])) as Record<Subtype, number>;
  probabilities.any = any;
  probabilities.subdural = subdural;
  return { index, file: `f${index}`, frame: 0, sopInstanceUid: `u${index}`, z: index * 5, probabilities };
}

test('verdict: max over slices, subtypes at threshold, key slices, bleed range', () => {
  const th = Object.fromEntries(SUBTYPES.map((s) => [s, 0.5])) as Record<Subtype, number>;
  const v = computeVerdict([slice(0, 0.1), slice(1, 0.7, 0.6), slice(2, 0.3), slice(3, 0.9, 0.4), slice(4, 0.2)], th);
  assert.equal(v.anyProbability, 0.9);
  assert.equal(v.positive, true);
  assert.deepEqual(v.subtypesPresent, ['subdural']);
  assert.deepEqual(v.keySlices.map((k) => k.index), [3, 1, 2]);
  assert.deepEqual(v.bleedRange, { firstIndex: 1, lastIndex: 3, slices: 3, zFrom: 5, zTo: 15 });
  const neg = computeVerdict([slice(0, 0.1), slice(1, 0.2)], th);
  assert.equal(neg.positive, false);
  assert.equal(neg.bleedRange, null);
  assert.deepEqual(neg.subtypesPresent, []);
});

test('verdict: the study threshold decides the study, the slice threshold the bleed range and subtypes', () => {
  const th = Object.fromEntries(SUBTYPES.map((s) => [s, 0.3])) as Record<Subtype, number>;
  const slices = [slice(0, 0.1), slice(1, 0.4, 0.35), slice(2, 0.5), slice(3, 0.2)];
  // study score 0.5 below the study threshold 0.6: negative, no bleed range or subtypes even
  // though two slices pass the slice threshold 0.3
  const neg = computeVerdict(slices, th, 0.6);
  assert.equal(neg.anyProbability, 0.5);
  assert.equal(neg.positive, false);
  assert.equal(neg.studyThreshold, 0.6);
  assert.equal(neg.bleedRange, null);
  assert.deepEqual(neg.subtypesPresent, []);
  assert.deepEqual(neg.keySlices.map((k) => k.index), [2, 1, 3]);
  // study threshold 0.45: positive; bleed range from the slice threshold (slices 1–2)
  const pos = computeVerdict(slices, th, 0.45);
  assert.equal(pos.positive, true);
  assert.deepEqual(pos.bleedRange, { firstIndex: 1, lastIndex: 2, slices: 2, zFrom: 5, zTo: 10 });
  assert.deepEqual(pos.subtypesPresent, ['subdural']);
  // without a study threshold the slice threshold decides (cards without studyThresholds)
  assert.equal(computeVerdict(slices, th).studyThreshold, 0.3);
  assert.equal(computeVerdict(slices, th).positive, true);
});

test('slice position is measured along the normal of the orientation (tilted gantry)', () => {
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  // rows along x, columns tilted in the y-z plane: normal = (0, -s, c)
  const meta = { imagePositionPatient: [10, 20, 30], imageOrientationPatient: [1, 0, 0, 0, c, s] } as unknown as CtMeta;
  assert.ok(Math.abs((slicePosition(meta) as number) - (-20 * s + 30 * c)) < 1e-9);
  assert.equal(slicePosition({ imagePositionPatient: [0, 0, 7], imageOrientationPatient: undefined } as unknown as CtMeta), 7);
  assert.equal(slicePosition({ imagePositionPatient: undefined } as unknown as CtMeta), undefined);
});

test('non-CT files are reported (ICH_E_UNSUPPORTED_IMAGE), CT files grouped', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const corpus = join(shared, 'dicom-corpus', 'debian-python3-pydicom');
  const { series, failures } = groupIntoSeries([join(corpus, 'MR_small.dcm'), join(corpus, '693_J2KI.dcm')]);
  assert.equal(series.length, 1);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.code, 'ICH_E_UNSUPPORTED_IMAGE');
  assert.match(failures[0]?.message ?? '', /modality MR is not CT/);
});
