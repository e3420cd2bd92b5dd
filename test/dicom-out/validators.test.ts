/**
 * The third-party checkers on everything dicom-out writes: dciodvfy (dicom3tools) reports no
 * error for any file (warnings are counted and printed), dsrdump (dcmtk) reads the SR and KOS
 * without complaint. A bleeding study (SR, SEG, SC ×3, KO), a clean one, and one the classifier
 * calls positive with nothing segmented (SR groups without SEG references), and a bleeding one
 * with a warning (contrast-enhanced series) in the SR's comment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeDicomResults, type DicomResults } from '../../src/dicom-out/index.js';
import { buildResultStudy, makeTempDir, readStudyUids, requireTool, UID_ROOT, writeSourceStudy } from './fixture.js';

const NOW = new Date('2026-12-01T12:00:00Z');

type Label = 'bleeding' | 'clean' | 'classified-only' | 'warned';

/** `warned`: a bleeding study whose verdict came from a contrast-enhanced series (the SR's comment carries the warning). */
const WARNING = 'contrast-enhanced series (ContrastBolusAgent "ISOVUE300/100"): the model reads non-contrast head CT; enhancing vessels, venous sinuses and dura can read as blood';

/** `classified-only`: the verdict says hemorrhage but nothing was segmented (SR groups without a SEG). */
async function writeFixture(dir: string, label: Label): Promise<DicomResults> {
  const src = writeSourceStudy(join(dir), 11, label === 'clean' ? 0 : 2);
  const uids = readStudyUids(src.files[0] as string);
  const study = buildResultStudy(src, uids.study, uids.series);
  const final = label === 'classified-only' ? { ...study, slices: study.slices.map((s) => ({ ...s, labels: new Uint8Array(s.labels.length) })) } : label === 'warned' ? { ...study, warnings: [WARNING] } : study;
  return writeDicomResults(final, { outDir: join(dir, 'out'), uidRoot: UID_ROOT, softwareVersion: '0.1.0', now: NOW });
}

function dciodvfy(file: string): { errors: string[]; warnings: string[]; iod: string } {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  return { errors: lines.filter((l) => /^Error/.test(l)), warnings: lines.filter((l) => /^Warning/.test(l)), iod: lines.find((l) => !/^(Error|Warning)/.test(l)) ?? '' };
}

for (const label of ['bleeding', 'clean', 'classified-only', 'warned'] as const) {
  test(`dciodvfy: no errors and no warnings on every object of a ${label} study; dsrdump reads SR and KOS`, async (t) => {
    if (!requireTool('dciodvfy', ['-help'], t, 'dicom3tools') || !requireTool('dsrdump', ['--version'], t, 'dcmtk')) return;
    const dir = makeTempDir(`validators-${label}`);
    try {
      const written = await writeFixture(dir, label);
      const kinds = written.files.map((f) => f.kind).sort();
      assert.deepEqual(kinds, label === 'bleeding' || label === 'warned' ? ['kos', 'sc', 'sc', 'sc', 'seg', 'sr'] : ['kos', 'sc', 'sc', 'sc', 'sr']);
      const expectedIod = { sr: 'Comprehensive3DSR', seg: 'Segmentation', sc: 'SCImage', kos: 'KeyObjectSelectionDocument' };
      for (const f of written.files) {
        const v = dciodvfy(f.path);
        t.diagnostic(`${f.kind} ${v.iod}: ${v.errors.length} errors, ${v.warnings.length} warnings`);
        assert.equal(v.iod, expectedIod[f.kind], `${f.path} recognised`);
        assert.deepEqual(v.errors, [], `${f.path}`);
        assert.deepEqual(v.warnings, [], `${f.path}`);
        if (f.kind === 'sr' || f.kind === 'kos') {
          const d = spawnSync('dsrdump', [f.path], { encoding: 'utf8' });
          assert.equal(d.status, 0, d.stderr);
          // dcmtk 3.6.7 says it does not check templates (TID 1500/2010) for any document with one; nothing else may appear.
          const complaints = d.stderr.split('\n').filter((l) => l.trim() !== '' && l.trim() !== 'W: Check for template constraints not yet supported');
          assert.deepEqual(complaints, [], 'dsrdump printed no other warning or error');
          assert.match(d.stdout, f.kind === 'sr' ? /Comprehensive 3D SR Document/ : /Key Object Selection Document/);
          if (f.kind === 'sr') {
            assert.match(d.stdout, /Verification Flag\s+: UNVERIFIED/);
            assert.match(d.stdout, /Completion Flag\s+: COMPLETE/);
            assert.match(d.stdout, new RegExp(`"Intracranial hemorrhage"\\)=\\(${label === 'clean' ? '272519000,SCT,"Absent"' : '52101004,SCT,"Present"'}\\)`));
            // the comment in full (dsrdump shortens long text by default)
            const full = spawnSync('dsrdump', ['+Pl', f.path], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
            if (label === 'warned') assert.ok(full.includes(`Warning: ${WARNING}.`), 'the warning in the SR comment');
            else assert.doesNotMatch(full, /Warning: /);
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
