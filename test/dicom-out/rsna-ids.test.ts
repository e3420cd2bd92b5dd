/**
 * RSNA-style sources: Study/Series/SOP Instance "UIDs" like `ID_abc123` (not valid UIDs), no
 * FrameOfReferenceUID, PatientIdentityRemoved YES without a DeidentificationMethod (as CQ500).
 * The results copy the source values as they are (so they join the source study), while every UID
 * ichscan creates — SOP Instance, Series, the fallback Frame of Reference, tracking, device,
 * dimension organisation — is valid. dciodvfy's only errors are about the copied
 * `ID_…` values, dsrdump reads SR and KOS (warning about them), Orthanc files the results under the
 * source study.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { writeDicomResults } from '../../src/dicom-out/index.js';
import { isValidUid } from '../../src/dicom/write-part10.js';
import { buildResultStudy, makeTempDir, requireTool, UID_ROOT, writeSourceStudy } from './fixture.js';
import { getJson, hasOrthanc, startOrthanc, storeFolder } from './orthanc.js';

const STUDY = 'ID_abc123';
const SERIES = 'ID_def456';

/** Every UI value in a dataset, nested sequences included, with its tag. */
function collectUids(ds: DataSet, out: { tag: string; value: string }[] = []): { tag: string; value: string }[] {
  for (const [tag, el] of Object.entries(ds.elements)) {
    if (el.items) for (const item of el.items) if (item.dataSet) collectUids(item.dataSet, out);
    if (el.vr === 'UI') out.push({ tag, value: (ds.string(tag) ?? '').replace(/\0/g, '') });
  }
  return out;
}

test('RSNA-style ID_ UIDs are copied as they are; every UID ichscan creates is valid', async (t) => {
  if (!requireTool('dcmodify', ['--version'], t, 'dcmtk') || !requireTool('dciodvfy', ['-help'], t, 'dicom3tools')) return;
  if (!requireTool('dsrdump', ['--version'], t, 'dcmtk')) return;
  const dir = makeTempDir('rsna-ids');
  try {
    const srcDir = join(dir, 'src');
    mkdirSync(srcDir);
    const src = writeSourceStudy(srcDir, 11, 1);
    const sopUids = src.files.map((_, i) => `ID_${(0x4fef99f0 + i).toString(16)}`);
    src.files.forEach((f, i) => {
      const r = spawnSync('dcmodify', ['-nb', '-m', `(0020,000d)=${STUDY}`, '-m', `(0020,000e)=${SERIES}`, '-m', `(0008,0018)=${sopUids[i]}`, '-e', '(0020,0052)', '-i', '(0012,0062)=YES', f], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
    const written = await writeDicomResults(buildResultStudy(src, STUDY, SERIES), { outDir: join(dir, 'out'), uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    const copied = new Set([STUDY, SERIES, ...sopUids]);
    for (const f of written.files) {
      const ds = dicomParser.parseDicom(new Uint8Array(readFileSync(f.path)));
      assert.equal(ds.string('x0020000d'), STUDY, `${f.kind}: StudyInstanceUID copied as is`);
      // De-identified like CQ500 (PatientIdentityRemoved YES, no method): the type 1C method is said to be unrecorded.
      assert.equal(ds.string('x00120063'), 'Not recorded in the source images');
      for (const u of collectUids(ds)) {
        if (copied.has(u.value)) continue;
        assert.ok(isValidUid(u.value), `${f.kind} ${u.tag}: "${u.value}" is a valid UID`);
      }
      if (f.kind === 'seg') {
        const refs = collectUids(ds).filter((u) => u.tag === 'x00081155').map((u) => u.value);
        assert.ok(refs.length > 0 && refs.every((r) => sopUids.includes(r)), 'SEG frames reference the ID_ source instances');
        assert.ok(isValidUid(ds.string('x00200052') ?? ''), 'fallback FrameOfReferenceUID is ichscan\'s and valid');
      }
      if (f.kind === 'sr' || f.kind === 'kos') {
        // dcmtk warns about the copied ID_ values but must read the document (it refuses a UIDREF item holding one).
        const d = spawnSync('dsrdump', [f.path], { encoding: 'utf8' });
        assert.equal(d.status, 0, `${f.kind}: ${d.stderr}`);
        assert.deepEqual(d.stderr.split('\n').filter((l) => /^[EF]:/.test(l)), [], `${f.kind}: dsrdump errors`);
      }
      const v = spawnSync('dciodvfy', [f.path], { encoding: 'utf8' });
      const problems = `${v.stdout}${v.stderr}`.split('\n').filter((l) => /^(Error|Warning)/.test(l));
      // The lines name the copied value, plus dciodvfy's one-line summary of the same VR errors.
      const other = problems.filter((l) => !/ID_/.test(l) && l !== 'Error - Dicom dataset contains invalid data values for Value Representations');
      t.diagnostic(`${f.kind}: ${problems.length} dciodvfy lines about the copied ID_ values, ${other.length} others`);
      assert.deepEqual(other, [], `${f.kind}: dciodvfy complains only about the copied ID_ values`);
    }
    if (!hasOrthanc()) {
      if (process.env['CI'] === 'true') throw new Error('Orthanc is missing but CI=true');
      t.diagnostic('Orthanc not installed: the join check is skipped');
      return;
    }
    const server = await startOrthanc(join(dir, 'orthanc'));
    try {
      storeFolder(server, srcDir);
      storeFolder(server, written.dir);
      const studies = await getJson<string[]>(server, '/tools/find', { Level: 'Study', Query: { StudyInstanceUID: STUDY } });
      assert.equal(studies.length, 1);
      const series = await getJson<unknown[]>(server, `/studies/${studies[0]}/series`);
      assert.equal(series.length, 1 + new Set(written.files.map((f) => f.seriesInstanceUid)).size, 'the results joined the ID_ study');
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
