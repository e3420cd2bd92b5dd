/**
 * Studies that cannot be written get a coded error naming the study and file, and leave nothing
 * in the output folder: slices that disagree on a copied patient/study attribute or on the study,
 * a slice with blood that lacks geometry, mixed orientations, label maps of the wrong size, a bad
 * UID root. Source files are altered with dcmtk's dcmodify, as a real-world file would differ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isIchError, type IchErrorCode } from '../../src/core/errors.js';
import { writeDicomResults, type ResultStudy } from '../../src/dicom-out/index.js';
import { buildResultStudy, makeTempDir, readStudyUids, requireTool, UID_ROOT, writeSourceStudy, type SourceFixture } from './fixture.js';

interface Case {
  name: string;
  code: IchErrorCode;
  /** dcmodify arguments applied to one slice's file (the first with blood unless `slice` says). */
  modify?: string[];
  slice?: 'blood' | 'clean';
  alter?: (s: ResultStudy) => ResultStudy;
  uidRoot?: string;
  message?: RegExp;
}

const CASES: Case[] = [
  { name: 'one slice has another PatientName', code: 'ICH_E_STUDY_INCONSISTENT', modify: ['-m', '(0010,0010)=OTHER^PATIENT'], message: /PatientName differs/ },
  { name: 'one slice has another StudyDate', code: 'ICH_E_STUDY_INCONSISTENT', modify: ['-m', '(0008,0020)=20010101'], message: /StudyDate differs/ },
  { name: 'one slice is from another study', code: 'ICH_E_STUDY_INCONSISTENT', modify: ['-m', '(0020,000d)=1.2.3.4'], message: /StudyInstanceUID/ },
  { name: 'a slice with blood lacks ImagePositionPatient', code: 'ICH_E_NO_GEOMETRY', modify: ['-e', '(0020,0032)'], message: /ImagePositionPatient/ },
  { name: 'a slice with blood lacks PixelSpacing', code: 'ICH_E_NO_GEOMETRY', modify: ['-e', '(0028,0030)'], message: /PixelSpacing/ },
  { name: 'one slice is tilted (mixed orientations)', code: 'ICH_E_MIXED_ORIENTATION', modify: ['-m', '(0020,0037)=1\\0\\0\\0\\0.95882\\-0.284015'], message: /ImageOrientationPatient/ },
  { name: 'one slice has another pixel spacing', code: 'ICH_E_MIXED_ORIENTATION', modify: ['-m', '(0028,0030)=0.5\\0.5'], message: /PixelSpacing/ },
  { name: 'a label map has the wrong size', code: 'ICH_E_BAD_DIMENSIONS', alter: (s) => ({ ...s, slices: s.slices.map((x, i) => (i === 0 ? { ...x, labels: x.labels.subarray(1) } : x)) }) },
  { name: 'slices differ in size', code: 'ICH_E_BAD_DIMENSIONS', alter: (s) => ({ ...s, slices: s.slices.map((x, i) => (i === 2 ? { ...x, rows: x.rows / 2, labels: x.labels.subarray(0, x.labels.length / 2) } : x)) }) },
  { name: 'a label value is not a subtype', code: 'ICH_E_INTERNAL', alter: (s) => ({ ...s, slices: s.slices.map((x, i) => (i === 1 ? { ...x, labels: x.labels.map((v, k) => (k === 0 ? 9 : v)) } : x)) }), message: /label value 9/ },
  { name: 'the UID root has a leading zero', code: 'ICH_E_USAGE', uidRoot: '1.02.3' },
  { name: 'the UID root is too long', code: 'ICH_E_USAGE', uidRoot: `1.2.${'9'.repeat(60)}` },
];

function firstSlice(src: SourceFixture, blood: boolean): number {
  // Not slice 0: the checks compare every slice with the first, and name the one that differs.
  const i = src.maskBits.findIndex((m, k) => k > 0 && m.some((b) => b !== 0) === blood);
  assert.ok(i >= 0);
  return i;
}

test('bad input: coded errors naming the file, nothing left in the output folder', async (t) => {
  if (!requireTool('dcmodify', ['--version'], t, 'dcmtk')) return;
  const root = makeTempDir('bad-input');
  try {
    const pristineDir = join(root, 'pristine');
    mkdirSync(pristineDir);
    const pristine = writeSourceStudy(pristineDir, 11, 1);
    const uids = readStudyUids(pristine.files[0] as string);
    for (const c of CASES) {
      const dir = join(root, `case-${CASES.indexOf(c)}`);
      cpSync(pristine.dir, dir, { recursive: true });
      const src: SourceFixture = { ...pristine, dir, files: pristine.files.map((f) => join(dir, basename(f))) };
      const target = firstSlice(src, c.slice !== 'clean');
      if (c.modify) {
        const r = spawnSync('dcmodify', ['-nb', ...c.modify, src.files[target] as string], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
      }
      const study = (c.alter ?? ((s: ResultStudy) => s))(buildResultStudy(src, uids.study, uids.series));
      const outDir = join(dir, 'out');
      await assert.rejects(
        writeDicomResults(study, { outDir, uidRoot: c.uidRoot ?? UID_ROOT, softwareVersion: '0.1.0' }),
        (e: unknown) => {
          assert.ok(isIchError(e, c.code), `${c.name}: got ${e instanceof Error ? e.message : String(e)}`);
          if (c.message) assert.match(e.message, c.message, c.name);
          if (c.modify) assert.equal(e.file, src.files[target], `${c.name}: names the file`);
          return true;
        },
      );
      assert.ok(!existsSync(outDir) || readdirSync(outDir).length === 0, `${c.name}: nothing written`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a slice without blood may lack geometry (it gets no SEG frame): results are written', async (t) => {
  if (!requireTool('dcmodify', ['--version'], t, 'dcmtk')) return;
  const dir = makeTempDir('no-geometry-clean');
  try {
    const src = writeSourceStudy(dir, 11, 1);
    const clean = firstSlice(src, false);
    const r = spawnSync('dcmodify', ['-nb', '-e', '(0020,0032)', '-e', '(0020,0037)', src.files[clean] as string], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const uids = readStudyUids(src.files[0] as string);
    const out = await writeDicomResults(buildResultStudy(src, uids.study, uids.series), { outDir: join(dir, 'out'), uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    assert.ok(out.files.some((f) => f.kind === 'seg'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
