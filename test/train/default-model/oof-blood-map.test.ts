/**
 * combineOutOfFold (src/train/default-model/oof-blood-map.ts): each patient's series comes from the
 * embedding of its own CV fold (assignFolds, as the CV uses them), and embeddings that do not line
 * up are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignFolds } from '../../../src/train/default-model/cross-validate.js';
import type { EmbeddedDataset, EmbeddedSeries } from '../../../src/train/default-model/embed-dataset.js';
import { combineOutOfFold } from '../../../src/train/default-model/oof-blood-map.js';

const F = 2;

/** 7 patients of 3 slices; patient p has p % 3 bleeding slices; every feature value is `fill`. */
function dataset(fill: number): EmbeddedDataset {
  const series: EmbeddedSeries[] = Array.from({ length: 7 }, (_, p) => {
    const labels = new Float32Array(3 * 6);
    for (let i = 0; i < p % 3; i++) labels[i * 6 + 5] = 1;
    return { group: `P${p}`, seriesInstanceUid: `S${p}`, imageIds: [`I${p}a`, `I${p}b`, `I${p}c`], labels, variants: [new Float32Array(3 * F).fill(fill), new Float32Array(3 * F).fill(fill + 0.5)] };
  });
  return { name: `d${fill}`, features: F, series };
}

test('every series is taken from its own fold’s embedding, in the base order', () => {
  const base = dataset(-1);
  const perFold = [0, 1, 2].map((k) => dataset(k));
  const folds = assignFolds(base.series, 3);
  const out = combineOutOfFold(base, perFold);
  assert.deepEqual(out.series.map((s) => s.seriesInstanceUid), base.series.map((s) => s.seriesInstanceUid));
  assert.equal(new Set(folds.values()).size, 3);
  for (const s of out.series) {
    const k = folds.get(s.group) as number;
    assert.equal(s.variants[0]?.[0], k, `${s.group} from fold ${k}`);
    assert.equal(s.variants[1]?.[0], k + 0.5);
  }
});

test('a fold embedding that misses a series or has other slices is refused', () => {
  const base = dataset(-1);
  const short = dataset(1);
  const inFold1 = [...assignFolds(base.series, 3)].filter(([, k]) => k === 1).map(([g]) => g);
  short.series = short.series.filter((s) => s.group !== inFold1[0]);
  assert.throws(() => combineOutOfFold(base, [dataset(0), short, dataset(2)]), /does not line up/);
  // a series missing from another fold's embedding does not matter
  const spare = dataset(0);
  spare.series = spare.series.filter((s) => s.group !== inFold1[0]);
  assert.equal(combineOutOfFold(base, [spare, dataset(1), dataset(2)]).series.length, 7);
  const other = dataset(2);
  other.series = other.series.map((s) => ({ ...s, imageIds: [...s.imageIds].reverse() }));
  assert.throws(() => combineOutOfFold(base, [dataset(0), dataset(1), other]), /does not line up/);
});

test('a folder of inserted lesions takes the folds it is given (rsna-dev\'s), not its own', () => {
  const base = dataset(-1);
  // another folder of the same patients whose positives differ: its own assignFolds would differ
  const inserted = dataset(-1);
  inserted.series = inserted.series.map((s, p) => ({ ...s, seriesInstanceUid: `T${p}`, labels: new Float32Array(3 * 6).fill(p === 6 ? 1 : 0) }));
  const perFold = [0, 1, 2].map((k) => ({ ...dataset(k), series: dataset(k).series.map((s, p) => ({ ...s, seriesInstanceUid: `T${p}` })) }));
  const rsnaFolds = assignFolds(base.series, 3);
  assert.notDeepEqual([...assignFolds(inserted.series, 3)].sort(), [...rsnaFolds].sort(), 'the test needs folds that differ');
  const out = combineOutOfFold(inserted, perFold, rsnaFolds);
  for (const s of out.series) assert.equal(s.variants[0]?.[0], rsnaFolds.get(s.group), `${s.group} from its rsna-dev fold`);
  assert.throws(() => combineOutOfFold({ ...inserted, series: [{ ...(inserted.series[0] as EmbeddedSeries), group: 'P99' }] }, perFold, rsnaFolds), /P99.*in no CV fold/);
});
