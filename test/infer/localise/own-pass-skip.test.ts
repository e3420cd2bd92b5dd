/**
 * The masks' skip on the localiser's own pass (LocaliserParams.skipOnOwnPass, the default): with the
 * shipped default model, whose second blood map is the localiser's any channel, predict does not run
 * the localiser on slices whose verdict-time pass stays under 2t − 1, and draws the same masks as
 * the localiser run on every slice — on a synthetic bleeding study (the project's generator, no
 * ../shared). With the stride-4 gate off (gate 0) so that the skip alone decides; a flip-TTA
 * verdict skips nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir } from '../../synth/helpers.js';
import { generateSynthDataset } from '../../../src/synth/index.js';
import { predictInputs, type LocalisedSeries } from '../../../src/infer/predict.js';
import { openScorer, type SeriesScorer } from '../../../src/infer/scorer.js';
import { DEFAULT_LOCALISER_PARAMS } from '../../../src/infer/localise/subtype-map.js';
import { resolveModelDir } from '../../../src/model/card/model-card.js';

test("masks with the localiser's own-pass skip equal the localiser on every slice", async () => {
  const root = makeTempDir('own-skip');
  const data = join(root, 'synth');
  await generateSynthDataset({ studies: 1, slicesPerStudy: [16, 16], size: 256, seed: 33, prevalence: 1, out: data, force: true });
  const opened = await openScorer(resolveModelDir('default', process.cwd()), { threads: 2 });
  const ran: number[] = [];
  const localiseSlices = opened.localiseSlices;
  assert.ok(localiseSlices, 'the default model has a localiser');
  // slices whose verdict-time own pass reaches 2t − 1 = 0.2, per series
  const reach: number[] = [];
  const maxOf = (d: Float32Array): number => d.reduce((a, v) => (v > a ? v : a), 0);
  // the scorer, counting those and the slices each series hands the localiser
  const scorer: SeriesScorer = {
    ...opened,
    scoreSeriesWithMaps: async (images, o) => {
      const r = await opened.scoreSeriesWithMaps(images, o);
      reach.push(r.localiserAnyMaps?.filter((m) => maxOf(m.data) >= 2 * DEFAULT_LOCALISER_PARAMS.threshold - 1).length ?? -1);
      return r;
    },
    localiseSlices: (images, idx, o) => (ran.push(idx.length), localiseSlices(images, idx, o)),
  };
  try {
    const run = async (localiser: Partial<typeof DEFAULT_LOCALISER_PARAMS>, tta = false): Promise<Uint8Array[]> => {
      const out: Uint8Array[] = [];
      await predictInputs(scorer, [join(data, 'images')], process.cwd(), {
        tta,
        localise: true,
        localiser,
        localiseIgnoringVerdict: true,
        onSeriesLocalised: (s: LocalisedSeries) => void out.push(...s.localisation.labels.map((l) => Uint8Array.from(l, (v) => (v ? 1 : 0)))),
      });
      return out;
    };
    const own = await run({ gate: 0 });
    const every = await run({ gate: 0, skipOnOwnPass: false });
    assert.equal(own.length, 16);
    let union = 0;
    let differ = 0;
    own.forEach((m, i) => {
      const e = every[i] as Uint8Array;
      for (let k = 0; k < m.length; k++) {
        if (m[k] || e[k]) union++;
        if (m[k] !== e[k]) differ++;
      }
    });
    assert.ok(union > 100, `the study's masks hold blood (${union} px)`);
    // the same masks, bar a few pixels where the boxes' edges differ (the verdict's box spans the series)
    assert.ok(differ <= 0.01 * union, `${differ} of ${union} pixels differ`);
    assert.equal(ran[1], 16, 'no skip, gate 0: every slice');
    assert.ok((reach[0] as number) > 0, 'the default model hands its own pass on');
    assert.equal(ran[0], reach[0], 'with the skip the localiser runs where its verdict-time pass reaches 2t − 1');
    // a flip-TTA verdict hands on pass averages, which bound nothing: no skip
    await run({ gate: 0 }, true);
    assert.equal(ran[2], 16, 'flip-TTA verdict: the localiser on every slice');
  } finally {
    await opened.dispose();
  }
});
