import { test } from 'node:test';
import assert from 'node:assert/strict';
import dicomParser from 'dicom-parser';
import { formatDs, writeDicomPart10 } from '../../src/synth/dicom-writer.js';
import { isIchError } from '../../src/core/errors.js';

const META = { mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.2', mediaStorageSopInstanceUid: '2.25.1', implementationClassUid: '2.25.2', implementationVersionName: 'TEST' };

test('writes a Part 10 file that dicom-parser reads back: preamble, group length, padding, sorted tags', () => {
  const pixels = Int16Array.from([-2000, 0, 40, 1800]);
  const bytes = writeDicomPart10(META, [
    { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(pixels.buffer) },
    { tag: 0x00100020, vr: 'LO', value: 'ABC' },
    { tag: 0x00080018, vr: 'UI', value: '2.25.1' },
    { tag: 0x00280010, vr: 'US', value: 2 },
    { tag: 0x00281052, vr: 'DS', value: '-1024' },
  ]);
  assert.equal(bytes.toString('latin1', 128, 132), 'DICM');
  const ds = dicomParser.parseDicom(new Uint8Array(bytes));
  assert.equal(ds.string('x00020010'), '1.2.840.10008.1.2.1');
  assert.equal(ds.string('x00100020'), 'ABC', 'odd-length text is space padded, trimmed on read');
  assert.equal(ds.string('x00080018'), '2.25.1', 'odd-length UID is NUL padded');
  assert.equal(ds.uint16('x00280010'), 2);
  assert.equal(ds.floatString('x00281052'), -1024);
  const el = ds.elements['x7fe00010'];
  assert.ok(el);
  const back = new Int16Array(bytes.buffer.slice(bytes.byteOffset + el.dataOffset, bytes.byteOffset + el.dataOffset + el.length));
  assert.deepEqual([...back], [...pixels]);
  // Group length covers exactly the rest of group 2.
  const groupLength = ds.uint32('x00020000');
  const firstDatasetTag = 132 + 12 + (groupLength ?? 0);
  assert.equal(bytes.readUInt16LE(firstDatasetTag), 0x0008);
});

test('strict: bad UIDs, over-long values, bad CS, duplicates and group 2 in the dataset throw', () => {
  const bad = (els: Parameters<typeof writeDicomPart10>[1]): void => {
    assert.throws(() => writeDicomPart10(META, els), (e: unknown) => isIchError(e, 'ICH_E_INTERNAL'));
  };
  bad([{ tag: 0x00080018, vr: 'UI', value: '1.2.abc' }]);
  bad([{ tag: 0x00100020, vr: 'LO', value: 'x'.repeat(65) }]);
  bad([{ tag: 0x00080060, vr: 'CS', value: 'ct' }]);
  bad([{ tag: 0x00280010, vr: 'US', value: 70000 }]);
  bad([{ tag: 0x00280010, vr: 'US', value: 1 }, { tag: 0x00280010, vr: 'US', value: 2 }]);
  bad([{ tag: 0x00020010, vr: 'UI', value: '1.2' }]);
  bad([{ tag: 0x00100010, vr: 'PN', value: 'A\\B' }]);
});

test('formatDs fits DS values into 16 characters', () => {
  assert.equal(formatDs(-1024), '-1024');
  assert.equal(formatDs(0.4492), '0.4492');
  assert.ok(formatDs(-110.09876543219876).length <= 16);
  assert.equal(Number(formatDs(-110.09876543219876)).toFixed(4), '-110.0988');
});
