/**
 * `ichscan predict --masks-out --overlays --json` end to end on synthetic studies (the project's
 * generator; no ../shared needed) with the shipped default model: a mask PNG per scored slice at
 * the source size with only 0/255, none for a broken file, the JSON volume equal to the PNGs'
 * pixels × spacing × slab, key-image overlays written, a non-empty folder refused without --force,
 * and the masks of the flagged studies agreeing with the synthetic ground truth better than chance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliCaptured } from '../../helpers/cli.js';
import { makeTempDir } from '../../synth/helpers.js';
import { decodePng } from '../../preprocess/png-decode.js';
import { generateSynthDataset } from '../../../src/synth/index.js';
import { computeSliceSlabs } from '../../../src/infer/localise/volume.js';
import { createMaskScorer } from '../../../src/infer/localise/score-masks.js';

interface JsonSlice { file: string; frame: number; sopInstanceUid: string; z: number | null }
interface JsonStudy { studyInstanceUid: string; verdict: { positive: boolean }; volumeMl: Record<string, number> | null; keyImages: { index: number }[]; series: { slices: JsonSlice[] }[] }

test('predict --masks-out / --overlays on synthetic studies', async () => {
  const root = makeTempDir('masks');
  const data = join(root, 'synth');
  await generateSynthDataset({ studies: 2, slicesPerStudy: [14, 14], size: 256, seed: 31, prevalence: 1, out: data, force: true });
  const images = join(data, 'images');
  writeFileSync(join(images, 'ID_0badf11e00.dcm'), 'not DICOM');
  const masks = join(root, 'masks');
  const overlays = join(root, 'overlays');
  const r = await runCliCaptured(['predict', images, '--masks-out', masks, '--overlays', overlays, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { studies: JsonStudy[]; failures: { file: string; code: string }[] };
  assert.ok(out.failures.some((f) => f.file.endsWith('ID_0badf11e00.dcm')));
  const files = readdirSync(masks).sort();
  assert.equal(files.length, 28, 'one mask per scored slice, none for the broken file');
  assert.ok(!files.includes('ID_0badf11e00.png'));
  const scorer = createMaskScorer(data);
  const manifest = JSON.parse(readFileSync(join(data, 'studies.json'), 'utf8')) as { studies: { studyInstanceUid: string; pixelSpacing: number; sliceThickness: number }[] };
  for (const st of out.studies) {
    const slices = st.series[0]?.slices ?? [];
    const slabs = computeSliceSlabs(slices.map((s) => s.z), 5);
    const spacing = manifest.studies.find((m) => m.studyInstanceUid === st.studyInstanceUid)?.pixelSpacing as number;
    let mm3 = 0;
    slices.forEach((sl, i) => {
      const id = sl.file.split('/').pop()?.replace(/\.dcm$/, '') as string;
      const png = decodePng(readFileSync(join(masks, `${id}.png`)));
      assert.deepEqual([png.height, png.width, png.colorType], [256, 256, 0], 'source Rows × Columns, grey');
      let on = 0;
      const labels = new Uint8Array(png.pixels.length);
      for (let k = 0; k < png.pixels.length; k++) {
        const v = png.pixels[k] as number;
        assert.ok(v === 0 || v === 255);
        if (v) {
          on++;
          labels[k] = 1;
        }
      }
      mm3 += on * spacing * spacing * (slabs[i] as number);
      // a study the verdict misses gets empty masks by design: the overlap is the flagged studies'
      if (st.verdict.positive) scorer.addSlice(id, labels);
    });
    assert.ok(st.volumeMl, 'volume reported');
    assert.ok(Math.abs((st.volumeMl?.total as number) - mm3 / 1000) < 0.002, `JSON volume ${st.volumeMl?.total} vs PNG pixels ${mm3 / 1000}`);
    for (const k of ['epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural', 'total']) assert.equal(typeof st.volumeMl?.[k], 'number');
    if (st.verdict.positive) assert.ok(st.keyImages.length >= 1);
  }
  const positives = out.studies.filter((s) => s.verdict.positive);
  assert.ok(positives.length >= 1, 'a bleeding synthetic study is flagged');
  const dice = scorer.result().dice.any as number;
  assert.ok(dice > 0.3, `masks of the flagged studies overlap the ground truth (pooled Dice ${dice})`);
  assert.ok(readdirSync(overlays).length >= positives.length, 'overlays written for key images');
  const png = decodePng(readFileSync(join(overlays, readdirSync(overlays)[0] as string)));
  assert.equal(png.colorType, 2);
  assert.ok(png.height > 256, 'legend below the slice');
  // nothing is overwritten without --force
  const again = await runCliCaptured(['predict', images, '--masks-out', masks]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr + again.stdout, /ICH_E_OUTPUT_EXISTS/);
  const forced = await runCliCaptured(['predict', images, '--masks-out', masks, '--force']);
  assert.equal(forced.code, 0);
});
