/**
 * Benchmark: `ichscan synth` throughput on one core — slices written per second for the issue's
 * yardstick, 20 studies × 24–40 slices at 512² (target: under a minute). Also times the stages of
 * one slice. Usage: `npm run bench:synth [-- --studies N --size PX]`. Prints numbers; not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSynthDataset, planStudy, renderStudySlice } from '../src/synth/index.js';

const { values } = parseArgs({ options: { studies: { type: 'string', default: '20' }, size: { type: 'string', default: '512' }, seed: { type: 'string', default: '1' } } });
const studies = Number(values.studies);
const size = Number(values.size);
const seed = Number(values.seed);

const out = mkdtempSync(join(tmpdir(), 'ichscan-synth-bench-'));
try {
  const plan = planStudy(seed, 0, { slicesPerStudy: [30, 30], size, prevalence: 1 });
  const warm = 5;
  for (let k = 0; k < warm; k++) renderStudySlice(plan, 10 + k);
  const t0 = performance.now();
  for (let k = 0; k < 10; k++) renderStudySlice(plan, 8 + k);
  const perSlice = (performance.now() - t0) / 10;
  console.log(`render one ${size}² slice (anatomy + bleeds + scanner + DICOM + mask encoding): ${perSlice.toFixed(1)} ms`);
  const summary = await generateSynthDataset({ studies, slicesPerStudy: [24, 40], size, seed, prevalence: 0.4, out });
  console.log(
    `synth ${studies} studies, ${summary.slices} slices at ${size}²: ${summary.seconds.toFixed(1)} s, ` +
      `${(summary.slices / summary.seconds).toFixed(1)} slices/s (${summary.positiveStudies} positive studies, ${summary.positiveSlices} positive slices)`,
  );
  console.log(`node ${process.version}, one thread; machine load affects this number`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
