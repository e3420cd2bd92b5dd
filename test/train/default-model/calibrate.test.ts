/**
 * Platt scaling of `any`: recovers a known distortion, leaves the subtypes alone, and a study
 * head with the calibration folded into its weights predicts the calibrated probabilities.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../src/core/random.js';
import { initBackend } from '../../../src/model/engine/index.js';
import { applyPlatt, fitPlatt } from '../../../src/train/default-model/calibrate.js';
import { applyStudyHead, disposeStudyHead, fitStudyHead, recalibrateStudyHead, STUDY_HEAD_DEFAULTS } from '../../../src/train/default-model/study-head.js';

await initBackend('wasm');

test('fitPlatt recovers the (a, b) that made scores overconfident; applyPlatt only touches any', () => {
  const rng = createRng(1);
  const n = 4000;
  const p: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = rng.normal() * 2;
    y.push(rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
    p.push(1 / (1 + Math.exp(-(3 * z - 1)))); // true logit z shown as 3z − 1 → a = 1/3, b = 1/3
  }
  const c = fitPlatt(p, y);
  assert.ok(Math.abs(c.a - 1 / 3) < 0.05, `a ${c.a}`);
  assert.ok(Math.abs(c.b - 1 / 3) < 0.1, `b ${c.b}`);
  const pred = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.9]);
  const out = applyPlatt(pred, { a: 0.5, b: 0 });
  assert.deepEqual([...out.slice(0, 5)], [...pred.slice(0, 5)]);
  assert.ok(Math.abs((out[5] as number) - 1 / (1 + Math.exp(-0.5 * Math.log(9)))) < 1e-6);
});

test('recalibrateStudyHead folds logit′ = a·logit + b of any into the weights (with and without the linear path)', () => {
  const rng = createRng(2);
  const F = 3;
  const series = Array.from({ length: 6 }, () => {
    const n = rng.int(5, 9);
    const labels = new Float32Array(n * 6);
    for (let i = 0; i < n; i++) if (rng.chance(0.3)) labels[i * 6 + 5] = 1;
    return { emb: Float32Array.from({ length: n * F }, () => rng.normal()), labels, n, weight: 1 };
  });
  for (const linearKernel of [0, 3]) {
    const head = fitStudyHead(series, F, { ...STUDY_HEAD_DEFAULTS, hidden: [4], kernel: 3, steps: 20, seriesPerStep: 3, linearKernel, linearL2: 0.1 });
    const s = series[0];
    assert.ok(s);
    const before = applyStudyHead(head, s.emb, s.n);
    recalibrateStudyHead(head, 5, 0.6, -0.4);
    const after = applyStudyHead(head, s.emb, s.n);
    const want = applyPlatt(before, { a: 0.6, b: -0.4 });
    for (let j = 0; j < after.length; j++) assert.ok(Math.abs((after[j] as number) - (want[j] as number)) < 1e-5, `linear ${linearKernel}, value ${j}`);
    disposeStudyHead(head);
  }
});
