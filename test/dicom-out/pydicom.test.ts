/**
 * pydicom (Debian python3-pydicom, /usr/bin/python3) reads the SEG and SR back without ichscan's
 * code (test/dicom-out/py/read_results.py): SEG frames mapped to their source slices through the
 * Derivation/Source Image references rebuild every slice's label map exactly, frames sit at their
 * source's ImagePositionPatient; the SR's measurement values equal the ResultStudy's numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { HEMORRHAGE_SUBTYPES } from '../../src/core/subtypes.js';
import { SUBTYPE_CODING, writeDicomResults } from '../../src/dicom-out/index.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { buildResultStudy, makeTempDir, readStudyUids, requireTool, UID_ROOT, writeSourceStudy } from './fixture.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(PROJECT_ROOT, 'test', 'dicom-out', 'py', 'read_results.py');

interface NumValue { ds: string; fd: number; unit: string }
interface Group { num: Record<string, NumValue>; codes: Record<string, string>; text: Record<string, string>; images: number }
interface PyResult {
  seg: {
    segmentationType: string;
    segments: { number: number; label: string; algorithmType: string; category: string; type: string }[];
    frames: number;
    studyInstanceUid: string;
    maps: Record<string, string>;
    positions: { file: string; ipp: number[]; sourceIpp: number[] }[];
  } | null;
  sr: { verification: string; completion: string; studyInstanceUid: string; template: string; groups: Group[] };
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

test('pydicom rebuilds every slice label map from the SEG and reads SR values equal to the input', async (t) => {
  if (!requireTool(PYTHON, ['-c', 'import pydicom, numpy'], t, 'python3-pydicom')) return;
  const dir = makeTempDir('pydicom');
  try {
    const src = writeSourceStudy(dir, 11, 2);
    const uids = readStudyUids(src.files[0] as string);
    const study = buildResultStudy(src, uids.study, uids.series);
    const written = await writeDicomResults(study, { outDir: join(dir, 'out'), uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    const seg = written.files.find((f) => f.kind === 'seg');
    const sr = written.files.find((f) => f.kind === 'sr');
    assert.ok(seg && sr);
    const r = spawnSync(PYTHON, [SCRIPT, seg.path, sr.path, ...src.files], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as PyResult;
    assert.ok(out.seg);

    // SEG: masks, segments, geometry.
    for (const [i, s] of study.slices.entries()) assert.equal(out.seg.maps[s.file], sha256(s.labels), `slice ${i} label map rebuilt bit for bit`);
    const present = HEMORRHAGE_SUBTYPES.filter((_, k) => study.slices.some((s) => s.labels.includes(k + 1)));
    assert.ok(present.length >= 2, 'fixture has two subtypes');
    assert.deepEqual(out.seg.segments.map((s) => s.label), present.map((s) => SUBTYPE_CODING[s].label));
    assert.deepEqual(out.seg.segments.map((s) => s.number), present.map((_, i) => i + 1));
    for (const s of out.seg.segments) assert.deepEqual([s.algorithmType, s.category, s.type], ['AUTOMATIC', '49755003', '50960005']);
    assert.equal(out.seg.segmentationType, 'BINARY');
    assert.equal(out.seg.studyInstanceUid, study.studyInstanceUid);
    const framesExpected = study.slices.reduce((n, s) => n + new Set([...s.labels].filter((v) => v !== 0)).size, 0);
    assert.equal(out.seg.frames, framesExpected, 'one frame per (segment, slice with that label)');
    for (const p of out.seg.positions) p.ipp.forEach((v, k) => assert.ok(Math.abs(v - (p.sourceIpp[k] as number)) < 1e-6, `${p.file} frame at its source position`));

    // SR: flags, template, one group for ICH + one per reported subtype, values as given.
    assert.deepEqual([out.sr.verification, out.sr.completion, out.sr.template, out.sr.studyInstanceUid], ['UNVERIFIED', 'COMPLETE', '1500', study.studyInstanceUid]);
    const byId = new Map(out.sr.groups.map((g) => [g.text['Tracking Identifier'], g]));
    const ich = byId.get('Intracranial hemorrhage');
    assert.ok(ich);
    assert.equal(ich.num['Volume']?.fd, study.volumeMl.total);
    assert.equal(ich.num['Volume']?.unit, 'ml');
    assert.ok(Math.abs(Number(ich.num['Volume']?.ds) - study.volumeMl.total) < 1e-8 * Math.max(1, study.volumeMl.total), 'NumericValue (DS) agrees to 10 digits');
    assert.equal(ich.num['Probability']?.fd, study.verdict.anyProbability);
    assert.equal(ich.codes['Intracranial hemorrhage'], '52101004^SCT');
    const z = study.zExtentMm;
    assert.ok(z);
    assert.equal(ich.num['Plane through Inferior Extent']?.fd, Math.min(z.from, z.to));
    assert.equal(ich.num['Plane through Superior Extent']?.fd, Math.max(z.from, z.to));
    assert.equal(ich.images, study.keyImages.length, 'key images referenced');
    for (const s of present) {
      const g = byId.get(SUBTYPE_CODING[s].label);
      assert.ok(g, `${s} group`);
      assert.equal(g.num['Volume']?.fd, study.volumeMl[s]);
      assert.equal(g.num['Probability']?.fd, study.verdict.probabilities[s]);
      assert.equal(g.images, 1, 'references its SEG segment');
    }
    assert.equal(out.sr.groups.length, 1 + present.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
