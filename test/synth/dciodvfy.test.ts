import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planStudy, renderStudySlice } from '../../src/synth/index.js';
import type { PixelEncoding } from '../../src/synth/index.js';
import { makeTempDir } from './helpers.js';

/** dciodvfy (Debian dicom3tools) checks files against the CT Image IOD; `.ci/run` installs it. */
function hasDciodvfy(): boolean {
  return spawnSync('dciodvfy', ['-help'], { encoding: 'utf8' }).error === undefined;
}

test('dciodvfy reports no errors (and no warnings) for every pixel encoding', (t) => {
  if (!hasDciodvfy()) {
    if (process.env['CI'] === 'true') throw new Error('dciodvfy is missing but CI=true: install dicom3tools');
    t.skip('dciodvfy not installed (apt-get install -y dicom3tools)');
    return;
  }
  const dir = makeTempDir('dciodvfy');
  try {
    const seen = new Set<PixelEncoding>();
    for (let i = 0; i < 200 && seen.size < 3; i++) {
      const plan = planStudy(5, i, { slicesPerStudy: [3, 3], size: 64, prevalence: 1 });
      if (seen.has(plan.encoding)) continue;
      seen.add(plan.encoding);
      const slice = renderStudySlice(plan, 1);
      const file = join(dir, `${slice.imageId}.dcm`);
      writeFileSync(file, slice.dicom);
      const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
      const report = `${r.stdout}${r.stderr}`;
      assert.doesNotMatch(report, /Error/i, `${plan.encoding}: ${report}`);
      assert.doesNotMatch(report, /Warning/i, `${plan.encoding}: ${report}`);
      assert.match(report, /CTImage/, 'dciodvfy recognised a CT Image');
    }
    assert.equal(seen.size, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
