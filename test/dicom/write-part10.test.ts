/** The strict writer's additions for dicom-out: sequences, AT, FD/FL, SL, DT, free text, copied values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dicomParser from 'dicom-parser';
import { isIchError } from '../../src/core/errors.js';
import { isValidUid, writeDicomPart10, type DicomElement } from '../../src/dicom/write-part10.js';

const META = { mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.88.34', mediaStorageSopInstanceUid: '2.25.1', implementationClassUid: '2.25.2', implementationVersionName: 'TEST' };

test('sequences (nested, empty), AT, FD, FL, SL, DT and UT round-trip through dicom-parser', () => {
  const bytes = writeDicomPart10(META, [
    { tag: 0x0040a730, vr: 'SQ', value: [[{ tag: 0x0040a040, vr: 'CS', value: 'TEXT' }, { tag: 0x0040a160, vr: 'UT', value: 'a\\b\r\nc' }], [{ tag: 0x0040a730, vr: 'SQ', value: [[{ tag: 0x0040a040, vr: 'CS', value: 'NUM' }]] }]] },
    { tag: 0x00081111, vr: 'SQ', value: [] },
    { tag: 0x00209165, vr: 'AT', value: [0x0062000b, 0x00200032] },
    { tag: 0x0040a161, vr: 'FD', value: 0.1 + 0.2 },
    { tag: 0x00189219, vr: 'FL', value: 1.5 },
    { tag: 0x00186020, vr: 'SL', value: -7 },
    { tag: 0x0018a002, vr: 'DT', value: '20261201120000+0000' },
  ]);
  const ds = dicomParser.parseDicom(new Uint8Array(bytes));
  const items = ds.elements['x0040a730']?.items ?? [];
  assert.equal(items.length, 2);
  assert.equal(items[0]?.dataSet?.string('x0040a040'), 'TEXT');
  assert.equal(items[0]?.dataSet?.text('x0040a160'), 'a\\b\r\nc');
  assert.equal(items[1]?.dataSet?.elements['x0040a730']?.items?.[0]?.dataSet?.string('x0040a040'), 'NUM');
  assert.equal(ds.elements['x00081111']?.length, 0);
  assert.deepEqual([0, 1, 2, 3].map((i) => ds.uint16('x00209165', i)), [0x0062, 0x000b, 0x0020, 0x0032], 'AT: group then element');
  assert.equal(ds.double('x0040a161'), 0.1 + 0.2);
  assert.equal(ds.float('x00189219'), 1.5);
  assert.equal(ds.int32('x00186020'), -7);
  assert.equal(ds.string('x0018a002'), '20261201120000+0000');
});

test('copied values skip the UID grammar (RSNA ID_) but own values do not; bad DT/TM throw', () => {
  const ok = writeDicomPart10(META, [{ tag: 0x0020000d, vr: 'UI', value: 'ID_abc123', copied: true }, { tag: 0x00100010, vr: 'PN', value: Buffer.from('Müller^Jörg', 'utf8'), copied: true }]);
  const ds = dicomParser.parseDicom(new Uint8Array(ok));
  assert.equal(ds.string('x0020000d'), 'ID_abc123');
  const bad = (els: DicomElement[]): void => assert.throws(() => writeDicomPart10(META, els), (e: unknown) => isIchError(e, 'ICH_E_INTERNAL'));
  bad([{ tag: 0x0020000d, vr: 'UI', value: 'ID_abc123' }]);
  bad([{ tag: 0x00100010, vr: 'PN', value: Buffer.from('x') }]);
  bad([{ tag: 0x0018a002, vr: 'DT', value: '2026-12-01' }]);
  bad([{ tag: 0x00080030, vr: 'TM', value: '25:00' }]);
  bad([{ tag: 0x0020000d, vr: 'UI', value: `1.${'2'.repeat(63)}`, copied: true }]);
});

test('isValidUid follows PS3.5 §9.1', () => {
  for (const u of ['0', '1.2.840.10008.1.2.1', '2.25.0', `1.${'2'.repeat(62)}`]) assert.ok(isValidUid(u), u);
  for (const u of ['', '1.02', '1.2.', '.1', 'ID_abc', '1..2', `1.${'2'.repeat(63)}`]) assert.ok(!isValidUid(u), u);
});
