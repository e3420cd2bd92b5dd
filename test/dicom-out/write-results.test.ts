/**
 * writeDicomResults without third-party tools: UIDs (valid, under the root, distinct, stable for
 * the same results, new SOP Instance UIDs for changed results in the same series), deterministic
 * bytes, the staging/rename discipline (no temp leftovers, a rerun replaces the study folder as a
 * whole), a clean study gets no SEG, and the key-image banner leaves the image itself untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import dicomParser from 'dicom-parser';
import { isIchError } from '../../src/core/errors.js';
import { deriveResultUid, writeDicomResults, type DicomResultOptions, type ResultStudy } from '../../src/dicom-out/index.js';
import { addBanner } from '../../src/dicom-out/key-images.js';
import { isValidUid } from '../../src/dicom/write-part10.js';
import { buildResultStudy, makeTempDir, readStudyUids, UID_ROOT, writeSourceStudy } from './fixture.js';

const NOW = new Date('2026-12-01T12:00:00Z');

function fixture(dir: string, minSubtypes: number): ResultStudy {
  const src = writeSourceStudy(dir, 11, minSubtypes);
  const uids = readStudyUids(src.files[0] as string);
  return buildResultStudy(src, uids.study, uids.series);
}

test('UIDs are valid, under the root, distinct; the same results give the same bytes, changed results new instances in the same series', async () => {
  const dir = makeTempDir('uids');
  try {
    const study = fixture(dir, 2);
    const opts = (out: string): DicomResultOptions => ({ outDir: join(dir, out), uidRoot: UID_ROOT, softwareVersion: '0.1.0', now: NOW });
    const a = await writeDicomResults(study, opts('a'));
    const b = await writeDicomResults(study, opts('b'));
    for (const [i, f] of a.files.entries()) {
      assert.ok(isValidUid(f.sopInstanceUid) && f.sopInstanceUid.startsWith(`${UID_ROOT}.`), f.sopInstanceUid);
      assert.ok(isValidUid(f.seriesInstanceUid) && f.seriesInstanceUid.length <= 64);
      assert.ok(readFileSync(f.path).equals(readFileSync(b.files[i]?.path ?? '')), `${f.kind} byte-identical on a rerun`);
    }
    assert.equal(new Set(a.files.map((f) => f.sopInstanceUid)).size, a.files.length, 'one SOP Instance UID per object');
    assert.equal(new Set(a.files.map((f) => f.seriesInstanceUid)).size, 4, 'SR, SEG, key images and KOS each have a series');
    const changed = { ...study, verdict: { ...study.verdict, anyProbability: 0.5 } };
    const c = await writeDicomResults(changed, opts('c'));
    for (const [i, f] of c.files.entries()) {
      assert.notEqual(f.sopInstanceUid, a.files[i]?.sopInstanceUid, 'changed results: new SOP Instance UID');
      assert.equal(f.seriesInstanceUid, a.files[i]?.seriesInstanceUid, 'same model on the same series: same result series');
    }
    // The same sources in another folder: the same UIDs (sources are identified by UID, not path).
    const moved = join(dir, 'moved');
    mkdirSync(moved);
    const movedStudy = { ...study, slices: study.slices.map((sl) => ({ ...sl, file: join(moved, basename(sl.file)) })) };
    for (const sl of study.slices) cpSync(sl.file, join(moved, basename(sl.file)));
    const m = await writeDicomResults(movedStudy, opts('m'));
    assert.deepEqual(m.files.map((f) => f.sopInstanceUid), a.files.map((f) => f.sopInstanceUid));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the study folder is replaced as a whole and no temporary file is left', async () => {
  const dir = makeTempDir('replace');
  try {
    const study = fixture(dir, 1);
    const outDir = join(dir, 'out');
    const first = await writeDicomResults(study, { outDir, uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    writeFileSync(join(first.dir, 'SC-9.dcm'), 'stale');
    const second = await writeDicomResults({ ...study, keyImages: study.keyImages.slice(0, 1) }, { outDir, uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    assert.equal(second.dir, first.dir);
    assert.deepEqual(readdirSync(outDir), [readdirSync(outDir)[0]], 'only the study folder');
    assert.deepEqual(readdirSync(second.dir).sort(), ['KO.dcm', 'SC-1.dcm', 'SEG.dcm', 'SR.dcm']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a clean study: SR (Absent) and key images, no SEG', async () => {
  const dir = makeTempDir('clean');
  try {
    const study = fixture(dir, 0);
    assert.equal(study.verdict.positive, false);
    const out = await writeDicomResults(study, { outDir: join(dir, 'out'), uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    assert.deepEqual(out.files.map((f) => f.kind), ['sr', 'sc', 'sc', 'sc', 'kos']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('key images: a banner band is added above the image, which is kept pixel for pixel; BurnedInAnnotation YES', async () => {
  const rgb = { dtype: 'uint8' as const, data: new Uint8Array(200 * 300 * 3).fill(77), shape: [200, 300, 3] as const };
  const b = addBanner(rgb, ['NOT FOR DIAGNOSTIC USE']);
  const band = (b.shape[0] - 200) * 300 * 3;
  assert.ok(band > 0);
  assert.ok(Buffer.from(b.data.subarray(band)).equals(Buffer.from(rgb.data)), 'image below the band unchanged');
  const ink = b.data.subarray(0, band).filter((_, k) => k % 3 === 0 && b.data[k] === 255 && b.data[k + 1] === 255 && b.data[k + 2] === 0).length;
  assert.ok(ink > 200, `banner text drawn (${ink} ink pixels)`);
  const dir = makeTempDir('sc');
  try {
    const out = await writeDicomResults(fixture(dir, 1), { outDir: join(dir, 'out'), uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    const sc = out.files.find((f) => f.kind === 'sc');
    assert.ok(sc);
    const ds = dicomParser.parseDicom(new Uint8Array(readFileSync(sc.path)));
    assert.equal(ds.string('x00280301'), 'YES');
    assert.equal(ds.string('x00280004'), 'RGB');
    assert.match(ds.string('x00204000') ?? '', /NOT FOR DIAGNOSTIC USE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deriveResultUid: valid for roots up to 40 characters, never a leading zero; bad roots are usage errors', () => {
  for (const root of ['2.25', '1.2.826.0.1.3680043.10.999', `1.${'2'.repeat(38)}`]) {
    for (let i = 0; i < 200; i++) {
      const u = deriveResultUid(root, 'x', String(i));
      assert.ok(isValidUid(u) && u.length <= 64 && u.startsWith(`${root}.`), u);
    }
  }
  for (const bad of ['', '1..2', '01.2', '1.2.', 'a.b', `1.${'2'.repeat(39)}`]) assert.throws(() => deriveResultUid(bad, 'x'), (e: unknown) => isIchError(e, 'ICH_E_USAGE'), bad);
});

test('model names outside the default repertoire are written with _ in their place', async () => {
  const dir = makeTempDir('repertoire');
  try {
    const study = { ...fixture(dir, 1), model: { name: 'ichnet-µ\\2', version: 'v1 – beta' } };
    const out = await writeDicomResults(study, { outDir: join(dir, 'out'), uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    const ds = dicomParser.parseDicom(new Uint8Array(readFileSync(out.files[0]?.path ?? '')));
    assert.equal(ds.string('x00081090'), 'ichnet-__2');
    assert.equal(ds.string('x00181000'), 'v1 _ beta');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
