/**
 * `ichscan bench infer --json` on the shipped default model and a small synthetic study: the keys
 * a script reads, the medians equal to the median of the reported runs, and every run positive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthDataset } from '../../src/synth/index.js';
import { runCliCaptured } from '../helpers/cli.js';

test('bench infer --json: throughput, then the medians of --repeats verdict / masks runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-bench-infer-'));
  try {
    await generateSynthDataset({ studies: 1, slicesPerStudy: [10, 10], size: 256, seed: 41, prevalence: 1, out: dir });
    const r = await runCliCaptured(['bench', 'infer', '--study', join(dir, 'images'), '--seconds', '0.3', '--repeats', '3', '--threads', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { imgPerSec: number; studySlices: number; studyLatencySeconds: number; studyWithMasksSeconds: number; studyRuns: { verdict: number; masks: number }[] };
    assert.equal(j.studySlices, 10);
    assert.ok(j.imgPerSec > 0);
    assert.equal(j.studyRuns.length, 3);
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1] as number;
    assert.equal(j.studyLatencySeconds, med(j.studyRuns.map((x) => x.verdict)));
    assert.equal(j.studyWithMasksSeconds, med(j.studyRuns.map((x) => x.masks)));
    assert.ok(j.studyRuns.every((x) => x.verdict > 0 && x.masks > 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
