import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asImageId } from '../../src/core/ids.js';
import { parseSamplingSpec, sampleEpoch, type SampleItem } from '../../src/data/index.js';

// 10,000 negatives, 2,000 "any + subdural" positives, 200 "any + epidural" positives.
const items: SampleItem[] = [
  ...Array.from({ length: 10_000 }, (_, i) => ({ id: asImageId(`ID_0${i.toString(16)}`), bits: 0 })),
  ...Array.from({ length: 2_000 }, (_, i) => ({ id: asImageId(`ID_1${i.toString(16)}`), bits: 0b110000 })),
  ...Array.from({ length: 200 }, (_, i) => ({ id: asImageId(`ID_2${i.toString(16)}`), bits: 0b100001 })),
];
const group = (id: string): string => id.slice(3, 4);
const countBy = (ids: string[]): Record<string, number> => ids.reduce<Record<string, number>>((m, id) => ((m[group(id)] = (m[group(id)] ?? 0) + 1), m), {});

/** |observed − expected| within 4 binomial standard deviations (fails by chance ~1e-4 per check). */
function near(observed: number, n: number, p: number, label: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(observed - n * p) <= 4 * sd + 1, `${label}: ${observed} vs expected ${(n * p).toFixed(0)}`);
}

test('capstone resampling keeps 35% of negatives and 50% of positives', () => {
  const ids = sampleEpoch(items, parseSamplingSpec('capstone'), 11, 0);
  const c = countBy(ids);
  near(c['0'] ?? 0, 10_000, 0.35, 'negatives');
  near(c['1'] ?? 0, 2_000, 0.5, 'subdural');
  near(c['2'] ?? 0, 200, 0.5, 'epidural');
});

test('oversampling repeats positives by their factor (largest of their subtypes), fractional part drawn', () => {
  const cfg = parseSamplingSpec('resample:negative=0.5,x:any=1.5,x:epidural=3');
  const ids = sampleEpoch(items, cfg, 5, 2);
  const c = countBy(ids);
  near(c['0'] ?? 0, 10_000, 0.5, 'negatives');
  near((c['1'] ?? 0) - 2_000, 2_000, 0.5, 'subdural extra copies'); // 1 + Bernoulli(0.5) each
  assert.equal(c['2'], 600, 'epidural ×3 exactly');
});

test('same seed and epoch → same list; another epoch → another order', () => {
  const cfg = parseSamplingSpec('capstone');
  assert.deepEqual(sampleEpoch(items, cfg, 1, 3), sampleEpoch(items, cfg, 1, 3));
  assert.notDeepEqual(sampleEpoch(items, cfg, 1, 3), sampleEpoch(items, cfg, 1, 4));
  const all = sampleEpoch(items, { kind: 'all' }, 1, 0);
  assert.equal(new Set(all).size, items.length);
  assert.notDeepEqual(all.slice(0, 20), items.slice(0, 20).map((i) => i.id));
});

test('balanced sampling gives each present class an equal share of draws', () => {
  const ids = sampleEpoch(items, parseSamplingSpec('balanced:30000'), 2, 0);
  assert.equal(ids.length, 30_000);
  const c = countBy(ids);
  // classes present: negative, epidural, subdural, any → 1/4 each; "any" draws split 2000:200 between groups 1 and 2.
  near(c['0'] ?? 0, 30_000, 0.25, 'negative');
  const pEpi = 0.25 + 0.25 * (200 / 2200);
  near(c['2'] ?? 0, 30_000, pEpi, 'epidural');
});

test('parseSamplingSpec rejects bad terms', () => {
  assert.throws(() => parseSamplingSpec('resample:negative=1.5'), /≤ 1/);
  assert.throws(() => parseSamplingSpec('resample:x:negative=2'), /positive classes/);
  assert.throws(() => parseSamplingSpec('resample:bleed=0.5'), /bad sampling term/);
  assert.throws(() => parseSamplingSpec('weird'), /unknown sampling/);
  assert.deepEqual(parseSamplingSpec('balanced'), { kind: 'balanced' });
});
