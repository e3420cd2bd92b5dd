/**
 * The shipped default model (models/default) through the demo path: 6 synthetic studies (seed 7,
 * 20 slices each; 3 bleed) → predict → evaluate. Everything is deterministic (same seed, same files,
 * fixed model), so this is a regression check with margins. With the study head shipped on 1 Dec 2026 it
 * gave slice AUC(any) 0.97 and study AUC(any) 1.00; the two studies over the study threshold both bleed
 * and the third bleeding one scores 0.26, under it (the logistic head before: 0.93 / 0.89, the same two
 * flagged; the HU-only model before that flagged all six).
 * A broken pipeline (wrong windows, channel order, a blood map that no longer lines up with the
 * cavity, a head that no longer matches its features) falls to ~0.5 and flags at random.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runDemo } from '../../src/infer/demo.js';
import { packageModelsDir, readModelCard } from '../../src/model/card/model-card.js';
import { readPredictionsCsv } from '../../src/data/submission.js';
import { readLabelsCsv } from '../../src/data/labels.js';
import type { ImageId } from '../../src/core/ids.js';
import { chooseStudyThreshold, computeStudyScores } from '../../src/train/default-model/study-threshold.js';

test('study threshold: Youden point of pooled study maxima, halfway to the next lower score', () => {
  // two studies from slice scores (max per study): A = max(0.05, 0.1) = 0.1 clean, B = 0.4 bleeding
  const a = computeStudyScores([0.05, 0.1, 0.4, 0.2], [0, 0, 1, 0], ['A', 'A', 'B', 'B']);
  assert.deepEqual([...a.scores], [0.1, 0.4]);
  assert.deepEqual([...a.labels], [0, 1]);
  // pooled with C = 0.2 (bleeding), D = 0.3 (clean). By hand: threshold 0.4 → sens 1/2, spec 1 (J 0.5);
  // 0.2 → sens 1, spec 1/2 (J 0.5); the first best from the top is 0.4, moved halfway to 0.3 → 0.35
  const b = { scores: Float64Array.from([0.2, 0.3]), labels: Float64Array.from([1, 0]) };
  const t = chooseStudyThreshold([a, b]);
  assert.ok(Math.abs(t.threshold - 0.35) < 1e-12, String(t.threshold));
  assert.deepEqual({ studies: t.studies, positives: t.positives, sensitivity: t.sensitivity, specificity: t.specificity }, { studies: 4, positives: 2, sensitivity: 0.5, specificity: 1 });
});

test('default model card states its training data, CV and that it is not a clinical device', () => {
  const card = readModelCard(join(packageModelsDir(), 'default'));
  assert.match(String(card.intendedUse), /NOT a clinical device/);
  assert.match(String(card.trainingData['summary']), /518 real slices/);
  assert.ok(typeof card.validation['meanFoldAucAny'] === 'number');
  const coverage = card.trainingData['subtypeCoverage'] as Record<string, string>;
  assert.match(coverage['epidural'] ?? '', /synthetic/);
  // the study verdict has its own threshold, above the slice one (a max over slices is higher than one slice)
  const study = card.studyThresholds?.any as number;
  assert.ok(study > (card.thresholds?.any as number) && study < 1, `study threshold ${study}`);
  assert.ok(typeof (card.validation['heldoutSynthetic'] as Record<string, unknown>)['studyAucAny'] === 'number');
  // the blood segmenter ships in the folder and the scorer reads it; the localiser's any channel is the second map
  assert.deepEqual(card.trunk?.bloodMap, { file: 'blood.onnx', stride: 4 });
  assert.ok(existsSync(join(packageModelsDir(), 'default', 'blood.onnx')));
  assert.deepEqual(card.trunk?.secondBloodMap, { file: 'seg.onnx', stride: 2, channel: { count: 6, index: 5 }, crop: { marginPx: 4, multiple: 8 } });
  assert.equal(card.localiser?.file, 'seg.onnx');
  // its maps on rsna-dev were out of fold: five fold localisers, each patient held out by exactly one
  const oof = card.trainingData['bloodMapOutOfFold'] as { perFold: { heldOutPatients: string[] }[] };
  assert.equal(oof.perFold.length, 5);
  const held = oof.perFold.flatMap((f) => f.heldOutPatients);
  assert.equal(held.length, 15);
  assert.equal(new Set(held).size, 15);
});

test('demo on synthetic studies: bleeding slices and studies score higher than clean ones; flagged studies bleed', async () => {
  const out = mkdtempSync(join(tmpdir(), 'ichscan-demo-test-'));
  try {
    const sink = new Writable({ write(_c, _e, cb) { cb(); } });
    const r = await runDemo({ out, modelDir: join(packageModelsDir(), 'default'), studies: 6, slicesPerStudy: [20, 20], seed: 7, force: true, stream: sink });
    assert.equal(r.report.n, 120);
    assert.ok(existsSync(r.reportFile));
    assert.match(readFileSync(r.reportFile, 'utf8'), /<svg/);
    const auc = r.report.auc.any as number;
    assert.ok(auc >= 0.8, `slice AUC(any) ${auc} (0.97 when shipped)`);
    const studyAuc = r.report.studyAuc.any as number;
    assert.ok(studyAuc >= 0.75, `study AUC(any) ${studyAuc} (1.00 when shipped)`);
    // the demo reports how little 6 studies say: intervals from resampling them
    const ci = r.report.ci95;
    assert.ok(ci && ci.unit === 'study' && ci.units === 6 && ci.resamples === 1000, JSON.stringify(ci));
    assert.ok(ci.aucAny && ci.aucAny.low <= auc && auc <= ci.aucAny.high, `AUC(any) ${auc} in ${JSON.stringify(ci.aucAny)}`);
    const preds = readPredictionsCsv(join(out, 'predictions.csv'));
    const labels = await readLabelsCsv(join(out, 'synth', 'labels.csv'));
    let pos = 0, neg = 0, np = 0, nn = 0;
    preds.imageIds.forEach((id, i) => {
      const bits = labels.labels.get(id as ImageId) ?? 0;
      const p = preds.probabilities[i * 6 + 5] as number;
      if (bits & 32) { pos += p; np++; } else { neg += p; nn++; }
    });
    assert.ok(np > 0 && nn > 0);
    assert.ok(pos / np > neg / nn, `mean P(any) positives ${pos / np} vs negatives ${neg / nn}`);
    // study verdicts: the card's study threshold on the study score (max over slices of P(any))
    const card = readModelCard(join(packageModelsDir(), 'default'));
    assert.equal(r.studyThreshold, card.studyThresholds?.any);
    assert.equal(r.studies.length, 6);
    for (const s of r.studies) assert.equal(s.verdict, s.anyProbability >= r.studyThreshold ? 'HEMORRHAGE LIKELY' : 'no hemorrhage found', s.study);
    assert.equal(r.studies.filter((s) => s.truth === 'bleed').length, 3);
    const flagged = r.studies.filter((s) => s.verdict === 'HEMORRHAGE LIKELY');
    assert.ok(flagged.length >= 1, 'predict finds at least one of the bleeding studies');
    for (const s of flagged) assert.equal(s.truth, 'bleed', `clean study ${s.study} flagged (P(any) ${s.anyProbability})`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
