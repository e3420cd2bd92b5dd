/**
 * A slice sent on its own is scored as if its anatomy went on (study-sequence.ts: edge copies for
 * sequences under 5 slices), not against "average slices": with the shipped default model, the
 * most bleeding slice of a synthetic study, sent alone, is flagged and gets a mask (before the edge
 * copies no lone slice of seeds 9091 or 8888 reached the study threshold), and scores within 0.25 of
 * its P(any) in the series; a lone clean slice stays unflagged with an empty mask.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir } from '../synth/helpers.js';
import { generateSynthDataset } from '../../src/synth/index.js';
import { predictInputs, type LocalisedSeries } from '../../src/infer/predict.js';
import { openScorer } from '../../src/infer/scorer.js';
import { resolveModelDir } from '../../src/model/card/model-card.js';

test('a lone bleeding slice is flagged and masked; a lone clean slice is not', { timeout: 120_000 }, async () => {
  const root = makeTempDir('short-series');
  await generateSynthDataset({ studies: 1, slicesPerStudy: [16, 16], size: 256, seed: 33, prevalence: 1, out: join(root, 'bleed'), force: true });
  await generateSynthDataset({ studies: 1, slicesPerStudy: [16, 16], size: 256, seed: 34, prevalence: 0, out: join(root, 'clean'), force: true });
  const scorer = await openScorer(resolveModelDir('default', process.cwd()), { threads: 2 });
  try {
    const whole = await predictInputs(scorer, [join(root, 'bleed', 'images')], process.cwd());
    const series = whole.studies[0]?.series[0];
    assert.ok(series?.verdict.positive, 'the synthetic bleeding study is flagged as a series');
    const top = series.slices.reduce((a, b) => (b.probabilities.any > a.probabilities.any ? b : a));
    let masked = 0;
    const alone = await predictInputs(scorer, [top.file], process.cwd(), { localise: true, onSeriesLocalised: (s: LocalisedSeries) => void (masked += s.localisation.labels[0]?.reduce((n, v) => n + (v ? 1 : 0), 0) ?? 0) });
    const lone = alone.studies[0]!;
    assert.equal(lone.series[0]?.slices.length, 1);
    const p = lone.verdict.anyProbability;
    assert.ok(lone.verdict.positive, `the lone bleeding slice is flagged (P(any) ${p.toFixed(3)}, in its series ${top.probabilities.any.toFixed(3)})`);
    assert.ok(Math.abs(p - top.probabilities.any) < 0.25, `alone ${p.toFixed(3)} vs in series ${top.probabilities.any.toFixed(3)}`);
    assert.ok(masked > 0, 'and gets a mask');
    const cleanSeries = (await predictInputs(scorer, [join(root, 'clean', 'images')], process.cwd())).studies[0]?.series[0];
    const middle = cleanSeries?.slices[8];
    assert.ok(middle);
    let cleanMasked = 0;
    const cleanAlone = (await predictInputs(scorer, [middle.file], process.cwd(), { localise: true, onSeriesLocalised: (s: LocalisedSeries) => void (cleanMasked += s.localisation.labels[0]?.reduce((n, v) => n + (v ? 1 : 0), 0) ?? 0) })).studies[0]!;
    assert.equal(cleanAlone.verdict.positive, false, `a lone clean slice is not flagged (P(any) ${cleanAlone.verdict.anyProbability.toFixed(3)})`);
    assert.equal(cleanMasked, 0);
  } finally {
    await scorer.dispose();
  }
});
