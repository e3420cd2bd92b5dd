import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planStudy, renderStudySlice } from '../../src/synth/index.js';
import type { PixelEncoding } from '../../src/synth/index.js';
import { makeTempDir } from './helpers.js';

/**
 * pydicom (the reference the RSNA write-ups and ../shared/data/reference-hu.json use) must read the
 * files and get the same HU. Optional: runs where a python3 with pydicom + numpy exists (Debian:
 * apt-get install python3-pydicom), skips elsewhere; src/dicom's round trip is the required check.
 */
const SCRIPT = `
import sys, pydicom, numpy as np
for dcm in sys.argv[1:]:
    ds = pydicom.dcmread(dcm)
    a = ds.pixel_array.astype(np.int64)
    intercept = float(ds.RescaleIntercept)
    if ds.BitsStored == 12 and ds.PixelRepresentation == 0 and intercept > -100:
        a = a + 1000; a[a >= 4096] -= 4096; intercept = -1000.0
    hu = a * float(ds.RescaleSlope) + intercept
    want = np.fromfile(dcm + '.f32', dtype='<f4').reshape(hu.shape)
    print(dcm, ds.Modality, float(np.abs(hu - want).max()))
`;

function findPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import pydicom, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

test('pydicom reads every encoding and gets the HU that was written (after the RSNA fix rule)', (t) => {
  const py = findPython();
  if (!py) {
    t.skip('no python3 with pydicom and numpy (optional check)');
    return;
  }
  const dir = makeTempDir('pydicom');
  try {
    const files: string[] = [];
    const seen = new Set<PixelEncoding>();
    for (let i = 0; i < 200 && seen.size < 3; i++) {
      const plan = planStudy(8, i, { slicesPerStudy: [3, 3], size: 64, prevalence: 1 });
      if (seen.has(plan.encoding)) continue;
      seen.add(plan.encoding);
      const s = renderStudySlice(plan, 1);
      const file = join(dir, `${s.imageId}.dcm`);
      writeFileSync(file, s.dicom);
      writeFileSync(`${file}.f32`, new Uint8Array(s.expectedHu.buffer));
      files.push(file);
    }
    const r = spawnSync(py, ['-c', SCRIPT, ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    for (const line of lines) {
      const [, modality, diff] = line.split(' ');
      assert.equal(modality, 'CT');
      assert.equal(Number(diff), 0, line);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
