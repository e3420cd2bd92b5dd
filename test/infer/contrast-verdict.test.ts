/**
 * A study's verdict comes from its non-contrast series (the model reads non-contrast head CT):
 * a clean synthetic series and a bleeding one turned "enhanced" by dcmtk's dcmodify (ContrastBolusAgent
 * set, moved into the clean series' study under a new Series UID). The enhanced series scores
 * higher — the old "most positive series" rule would have flagged the study — but the verdict is
 * the clean series', with no warning. Scored alone, the enhanced series gives the verdict with a
 * warning, in --json and in the text output; so does a series whose BodyPartExamined is CHEST.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeTempDir } from '../synth/helpers.js';
import { generateSynthDataset } from '../../src/synth/index.js';
import { predictInputs } from '../../src/infer/predict.js';
import { openScorer } from '../../src/infer/scorer.js';
import { resolveModelDir } from '../../src/model/card/model-card.js';
import { readDicomHeader } from '../../src/dicom/index.js';
import { runCliCaptured } from '../helpers/cli.js';

const AGENT = 'ISOVUE300/100';

test('the verdict comes from the non-contrast series; an enhanced series alone gives it with a warning', { timeout: 120_000 }, async (t) => {
  if (spawnSync('sh', ['-c', 'command -v dcmodify']).status !== 0) {
    if (process.env['CI'] === 'true') throw new Error('dcmodify (dcmtk) missing but CI=true');
    t.skip('dcmtk not installed');
    return;
  }
  const root = makeTempDir('contrast-verdict');
  await generateSynthDataset({ studies: 1, slicesPerStudy: [14, 14], size: 256, seed: 33, prevalence: 1, out: join(root, 'bleed'), force: true });
  await generateSynthDataset({ studies: 1, slicesPerStudy: [14, 14], size: 256, seed: 34, prevalence: 0, out: join(root, 'clean'), force: true });
  const plainDir = join(root, 'mixed', 'plain');
  const enhancedDir = join(root, 'mixed', 'enhanced');
  mkdirSync(plainDir, { recursive: true });
  mkdirSync(enhancedDir, { recursive: true });
  const list = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.dcm')).map((f) => join(d, f));
  for (const f of list(join(root, 'clean', 'images'))) copyFileSync(f, join(plainDir, f.split('/').pop() as string));
  const bleedFiles = list(join(root, 'bleed', 'images'));
  for (const f of bleedFiles) copyFileSync(f, join(enhancedDir, `e-${f.split('/').pop() as string}`));
  const plainFirst = list(plainDir)[0] as string;
  const studyUid = String(readDicomHeader(readFileSync(plainFirst), plainFirst).studyInstanceUid);
  const mod = spawnSync('dcmodify', ['-nb', '-gin', '-i', `(0018,0010)=${AGENT}`, '-m', `(0020,000d)=${studyUid}`, '-m', '(0020,000e)=2.25.3141592653589793238462643383279', ...list(enhancedDir)], { encoding: 'utf8' });
  assert.equal(mod.status, 0, mod.stderr);

  const scorer = await openScorer(resolveModelDir('default', process.cwd()), { threads: 2 });
  try {
    const mixed = await predictInputs(scorer, [join(root, 'mixed')], process.cwd());
    assert.equal(mixed.studies.length, 1, 'both series in one study');
    const study = mixed.studies[0]!;
    assert.equal(study.series.length, 2);
    const enhanced = study.series.find((s) => s.contrast);
    const plain = study.series.find((s) => !s.contrast);
    assert.ok(enhanced && plain);
    assert.equal(enhanced.contrast, `ContrastBolusAgent "${AGENT}"`);
    assert.ok(enhanced.verdict.anyProbability > plain.verdict.anyProbability, `the enhanced (bleeding) series scores higher: ${enhanced.verdict.anyProbability} vs ${plain.verdict.anyProbability}`);
    assert.equal(study.verdict, plain.verdict, 'the verdict is the non-contrast series');
    assert.deepEqual(study.warnings, []);

    const alone = await predictInputs(scorer, [enhancedDir], process.cwd());
    const only = alone.studies[0]!;
    assert.equal(only.verdict, only.series[0]?.verdict);
    assert.equal(only.warnings.length, 1);
    assert.match(only.warnings[0] ?? '', /^contrast-enhanced series \(ContrastBolusAgent "ISOVUE300\/100"\): the model reads non-contrast head CT/);
  } finally {
    await scorer.dispose();
  }
  const text = await runCliCaptured(['predict', join(root, 'mixed'), '--quiet']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /contrast-enhanced: ContrastBolusAgent "ISOVUE300\/100", not used for the verdict/);
  assert.doesNotMatch(text.stdout, /WARNING/);
  const json = await runCliCaptured(['predict', enhancedDir, '--quiet', '--json']);
  const parsed = JSON.parse(json.stdout) as { studies: { warnings: string[]; series: { contrast?: string }[] }[] };
  assert.equal(parsed.studies[0]?.series[0]?.contrast, `ContrastBolusAgent "${AGENT}"`);
  assert.match(parsed.studies[0]?.warnings[0] ?? '', /contrast-enhanced/);
  const alone = await runCliCaptured(['predict', enhancedDir, '--quiet']);
  assert.match(alone.stdout, /^ {2}WARNING: contrast-enhanced series/m);
  // a series whose header says it is not a head CT: scored with its warning
  const chestDir = join(root, 'chest');
  mkdirSync(chestDir);
  for (const f of list(plainDir)) copyFileSync(f, join(chestDir, f.split('/').pop() as string));
  assert.equal(spawnSync('dcmodify', ['-nb', '-i', '(0018,0015)=CHEST', ...list(chestDir)]).status, 0);
  const chest = JSON.parse((await runCliCaptured(['predict', chestDir, '--quiet', '--json'])).stdout) as { studies: { warnings: string[]; series: { notHead?: string }[] }[] };
  assert.equal(chest.studies[0]?.series[0]?.notHead, 'BodyPartExamined "CHEST"');
  assert.deepEqual(chest.studies[0]?.warnings, ['not a head CT (BodyPartExamined "CHEST"): the model reads head CT only']);
});
