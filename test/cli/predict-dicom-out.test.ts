/**
 * `ichscan predict --masks-out --dicom-out --json` on a synthetic study, checked with the real
 * tools: dciodvfy (dicom3tools) finds no error in any file, dsrdump (dcmtk) reads the SR, and
 * Debian pydicom rebuilds each slice's mask from the SEG equal, bit for bit, to the --masks-out PNG
 * of that slice and reads the SR's volume equal to the JSON volumeMl. A study with no bleed gets
 * an SR only. Tools missing: skip with a message; under CI=true that is a failure.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliCaptured } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { makeTempDir } from '../synth/helpers.js';
import { decodePng } from '../preprocess/png-decode.js';
import { generateSynthDataset } from '../../src/synth/index.js';

const PYTHON = '/usr/bin/python3';

function haveTool(cmd: string, args: string[], t: TestContext): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    assert.ok(process.env['CI'] !== 'true', `${cmd} is required under CI (.ci/run installs it)`);
    t.skip(`${cmd} not available`);
    return false;
  }
  return true;
}

interface JsonOut {
  studies: { studyInstanceUid: string; verdict: { positive: boolean }; volumeMl: { total: number }; series: { slices: { file: string; sopInstanceUid: string }[] }[] }[];
}

test('predict --dicom-out: dciodvfy clean, dsrdump reads the SR, pydicom SEG = --masks-out PNGs, SR volume = JSON', async (t) => {
  if (!haveTool(PYTHON, ['-c', 'import pydicom, numpy'], t) || !haveTool('dsrdump', ['--version'], t)) return;
  if (spawnSync('dciodvfy', [], { encoding: 'utf8' }).error) {
    assert.ok(process.env['CI'] !== 'true', 'dciodvfy is required under CI');
    t.skip('dciodvfy not available');
    return;
  }
  const root = makeTempDir('dicom-out-cli');
  const data = join(root, 'synth');
  await generateSynthDataset({ studies: 2, slicesPerStudy: [12, 12], size: 256, seed: 44, prevalence: 0.5, out: data, force: true });
  const masks = join(root, 'masks');
  const out = join(root, 'results');
  const r = await runCliCaptured(['predict', join(data, 'images'), '--masks-out', masks, '--dicom-out', out, '--json', '--uid-root', '1.2.826.0.1.3680043.10.1234']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as JsonOut;
  let checkedPositive = false;
  for (const st of json.studies) {
    const dir = join(out, readdirSync(out).find((d) => d === st.studyInstanceUid) as string);
    const files = readdirSync(dir).sort();
    for (const f of files) {
      const v = spawnSync('dciodvfy', [join(dir, f)], { encoding: 'utf8' });
      const errors = (v.stderr + v.stdout).split('\n').filter((l) => /^Error/.test(l));
      assert.deepEqual(errors, [], `${f}: dciodvfy errors`);
    }
    assert.equal(spawnSync('dsrdump', [join(dir, 'SR.dcm')]).status, 0, 'dsrdump reads the SR');
    if (!files.includes('SEG.dcm')) {
      assert.ok(!st.verdict.positive || st.volumeMl.total === 0, 'no SEG only when nothing was segmented');
      assert.deepEqual(files, ['SR.dcm']);
      continue;
    }
    const py = spawnSync(PYTHON, [join(PROJECT_ROOT, 'test', 'cli', 'py', 'seg_masks.py'), join(dir, 'SEG.dcm'), join(dir, 'SR.dcm')], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const got = JSON.parse(py.stdout) as { masks: Record<string, string>; volume: number };
    assert.equal(got.volume, st.volumeMl.total, 'SR volume = --json volumeMl.total');
    const slices = st.series[0]?.slices ?? [];
    let framed = 0;
    for (const sl of slices) {
      const id = sl.file.split('/').pop()?.replace(/\.dcm$/, '') as string;
      const png = decodePng(readFileSync(join(masks, `${id}.png`)));
      const hash = createHash('sha256').update(png.pixels).digest('hex');
      const empty = png.pixels.every((v) => v === 0);
      if (empty) assert.equal(got.masks[sl.sopInstanceUid], undefined, 'no frame for an empty slice');
      else {
        assert.equal(got.masks[sl.sopInstanceUid], hash, `SEG frames of ${id} = its PNG`);
        framed++;
      }
    }
    assert.ok(framed > 0);
    checkedPositive = true;
  }
  assert.ok(checkedPositive, 'at least one study had a SEG to check');
});
