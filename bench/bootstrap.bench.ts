/**
 * Benchmark: the cluster bootstrap of `ichscan evaluate` (src/model/bootstrap-ci.ts) at the sizes
 * its users have — rsna-dev (518 slices), a Kaggle validation fold (~100 k) and the whole
 * stage_2_train set (~750 k slices, ~22 k studies of ~34 slices) — on seeded random predictions
 * (P(any) higher on bleeding slices, 14 % of slices bleeding as in RSNA). Also the paired
 * comparison (two sets, the same draws). Usage: `npm run bench:bootstrap [-- --resamples 1000]`.
 * Prints numbers; not a test.
 */
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/random.js';
import { bootstrapDifference, bootstrapIntervals } from '../src/model/bootstrap-ci.js';

const { values } = parseArgs({ options: { resamples: { type: 'string', default: '1000' }, sizes: { type: 'string', default: '518,100000,750000' } } });
const resamples = Number(values.resamples);

function makeSet(n: number, seed: number): { pred: Float32Array; target: Float32Array; keys: string[] } {
  const rng = createRng(seed);
  const pred = new Float32Array(n * 6);
  const target = new Float32Array(n * 6);
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const y = rng.next() < 0.14 ? 1 : 0;
    target[i * 6 + 5] = y;
    for (let k = 0; k < 6; k++) pred[i * 6 + k] = Math.min(0.99, Math.max(0.01, 0.15 + 0.3 * y * (k === 5 ? 1 : 0.2) + 0.5 * (rng.next() - 0.5)));
    keys.push(`study-${Math.floor(i / 34)}`);
  }
  return { pred, target, keys };
}

for (const n of values.sizes.split(',').map(Number)) {
  const { pred, target, keys } = makeSet(n, 1);
  const t0 = performance.now();
  const ci = bootstrapIntervals(pred, target, { unit: 'study', keys }, { resamples, seed: 0 });
  const single = (performance.now() - t0) / 1000;
  const other = makeSet(n, 2).pred;
  const t1 = performance.now();
  bootstrapDifference(pred, other, target, { unit: 'study', keys }, { resamples, seed: 0 });
  const paired = (performance.now() - t1) / 1000;
  console.log(`${n} slices, ${ci.units} studies, ${resamples} resamples: intervals ${single.toFixed(2)} s, paired comparison ${paired.toFixed(2)} s (AUC(any) interval ${ci.aucAny?.low.toFixed(3)}–${ci.aucAny?.high.toFixed(3)})`);
}
