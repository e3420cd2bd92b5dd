/**
 * A multi-frame source (an enhanced-CT-style file: per-frame PlanePosition, shared orientation
 * and spacing), scored frame by frame: each SEG frame references the one source instance with its
 * ReferencedFrameNumber and sits at that frame's position; the instance is listed once in the
 * references and evidence; unpacking the SEG frames gives back every frame's label map.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { formatDs, writeDicomPart10, type DicomElement } from '../../src/dicom/write-part10.js';
import { writeDicomResults } from '../../src/dicom-out/index.js';
import { buildResultStudy, makeTempDir, readStudyUids, requireTool, SIZE, UID_ROOT, writeSourceStudy } from './fixture.js';

const ENHANCED_CT = '1.2.840.10008.5.1.4.1.1.2.1';
const SOP = '2.25.4242';

function writeMultiFrame(file: string, study: string, series: string, positions: number[][], spacing: number[]): void {
  const ds = (tag: number, v: number[]): DicomElement => ({ tag, vr: 'DS', value: v.map(formatDs) });
  const elements: DicomElement[] = [
    { tag: 0x00080016, vr: 'UI', value: ENHANCED_CT },
    { tag: 0x00080018, vr: 'UI', value: SOP },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00100010, vr: 'PN', value: 'MULTI^FRAME' },
    { tag: 0x00100020, vr: 'LO', value: 'MF1' },
    { tag: 0x0020000d, vr: 'UI', value: study },
    { tag: 0x0020000e, vr: 'UI', value: series },
    { tag: 0x00200052, vr: 'UI', value: '2.25.777' },
    { tag: 0x00280002, vr: 'US', value: 1 },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280008, vr: 'IS', value: String(positions.length) },
    { tag: 0x00280010, vr: 'US', value: SIZE },
    { tag: 0x00280011, vr: 'US', value: SIZE },
    { tag: 0x00280100, vr: 'US', value: 16 },
    { tag: 0x00280101, vr: 'US', value: 16 },
    { tag: 0x00280102, vr: 'US', value: 15 },
    { tag: 0x00280103, vr: 'US', value: 1 },
    { tag: 0x52009229, vr: 'SQ', value: [[{ tag: 0x00289110, vr: 'SQ', value: [[ds(0x00280030, spacing), ds(0x00180050, [5])]] }, { tag: 0x00209116, vr: 'SQ', value: [[ds(0x00200037, [1, 0, 0, 0, 1, 0])]] }]] },
    { tag: 0x52009230, vr: 'SQ', value: positions.map((p): DicomElement[] => [{ tag: 0x00209113, vr: 'SQ', value: [[ds(0x00200032, p)]] }]) },
    { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(positions.length * SIZE * SIZE * 2) },
  ];
  writeFileSync(file, writeDicomPart10({ mediaStorageSopClassUid: ENHANCED_CT, mediaStorageSopInstanceUid: SOP, implementationClassUid: '2.25.1', implementationVersionName: 'TEST' }, elements));
}

test('multi-frame source: SEG frames reference the instance with ReferencedFrameNumber at each frame\'s position', async (t) => {
  const dir = makeTempDir('multiframe');
  try {
    const src = writeSourceStudy(dir, 11, 2);
    const uids = readStudyUids(src.files[0] as string);
    const positions = src.z.map((z) => [-118.2, -118.2, z]);
    const mf = join(dir, 'multiframe.dcm');
    writeMultiFrame(mf, uids.study, uids.series, positions, src.pixelSpacing);
    const base = buildResultStudy(src, uids.study, uids.series);
    const study = { ...base, slices: base.slices.map((s, i) => ({ ...s, file: mf, frame: i })) };
    const out = await writeDicomResults(study, { outDir: join(dir, 'out'), uidRoot: UID_ROOT, softwareVersion: '0.1.0' });
    const seg = out.files.find((f) => f.kind === 'seg');
    assert.ok(seg);
    const bytes = readFileSync(seg.path);
    const ds = dicomParser.parseDicom(new Uint8Array(bytes));
    const frames = ds.elements['x52009230']?.items ?? [];
    const pixel = ds.elements['x7fe00010'];
    assert.ok(pixel && frames.length > 0);
    const rebuilt = study.slices.map(() => new Uint8Array(SIZE * SIZE));
    const labelOfSegment = new Map((ds.elements['x00620002']?.items ?? []).map((it) => [it.dataSet?.uint16('x00620004'), it.dataSet?.string('x00620005')]));
    const subtypeLabels = ['Epidural hemorrhage', 'Intraparenchymal hemorrhage', 'Intraventricular hemorrhage', 'Subarachnoid hemorrhage', 'Subdural hemorrhage'];
    frames.forEach((f, i) => {
      const item = f.dataSet;
      const source = item?.elements['x00089124']?.items?.[0]?.dataSet?.elements['x00082112']?.items?.[0]?.dataSet;
      assert.equal(source?.string('x00081155'), SOP);
      const frameNumber = Number(source?.string('x00081160'));
      const sliceIndex = frameNumber - 1;
      const ipp = item?.elements['x00209113']?.items?.[0]?.dataSet?.string('x00200032')?.split('\\').map(Number);
      assert.deepEqual(ipp, positions[sliceIndex], `frame ${i} at source frame ${frameNumber}'s position`);
      const segment = item?.elements['x0062000a']?.items?.[0]?.dataSet?.uint16('x0062000b');
      const label = subtypeLabels.indexOf(labelOfSegment.get(segment) ?? '') + 1;
      const map = rebuilt[sliceIndex] as Uint8Array;
      for (let k = 0; k < SIZE * SIZE; k++) {
        const bit = i * SIZE * SIZE + k;
        if ((bytes[pixel.dataOffset + (bit >>> 3)] as number) & (1 << (bit & 7))) map[k] = label;
      }
    });
    study.slices.forEach((s, i) => assert.ok(Buffer.from(rebuilt[i] as Uint8Array).equals(Buffer.from(s.labels)), `frame ${i} label map rebuilt`));
    const instances = ds.elements['x00081115']?.items?.[0]?.dataSet?.elements['x0008114a']?.items ?? [];
    assert.equal(instances.length, 1, 'the multi-frame instance is referenced once');
    if (requireTool('dciodvfy', ['-help'], t, 'dicom3tools')) {
      for (const f of out.files) {
        const r = spawnSync('dciodvfy', [f.path], { encoding: 'utf8' });
        assert.deepEqual(`${r.stdout}${r.stderr}`.split('\n').filter((l) => /^Error/.test(l)), [], f.kind);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
