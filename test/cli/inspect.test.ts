/**
 * `ichscan inspect`, run in-process: folders walked recursively with files of any extension, the
 * exact JSON keys, failures reported per file with their code, exit 0 when every file was handled
 * and 2 for usage errors; the table mode prints one row per file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../helpers/cli.js';
import { buildDicom, ctElements } from '../dicom/helpers/build-dicom.js';

const KEYS = ['file', 'sopInstanceUid', 'transferSyntaxUid', 'rows', 'columns', 'frames', 'bitsStored', 'pixelRepresentation', 'rescaleSlope', 'rescaleIntercept', 'rsna12BitFix', 'hu'];

function makeFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-inspect-'));
  mkdirSync(join(dir, 'series', 'deeper'), { recursive: true });
  const pixels = new Int16Array([-2000, 0, 1000, 2000]);
  const good = buildDicom({ transferSyntax: '1.2.840.10008.1.2.1', elements: ctElements({ rows: 2, columns: 2, intercept: -1024, sopInstanceUid: '1.2.9' }), pixels: { native: pixels } });
  writeFileSync(join(dir, 'series', 'deeper', 'IM0001'), good); // no extension, as PACS exports
  const wrapped = buildDicom({
    transferSyntax: '1.2.840.10008.1.2',
    elements: ctElements({ rows: 1, columns: 2, bitsStored: 12, pixelRepresentation: 0, intercept: 0 }),
    pixels: { native: new Uint16Array([0, 4095]) },
  });
  writeFileSync(join(dir, 'series', 'wrapped.dcm'), wrapped);
  writeFileSync(join(dir, 'notes.txt'), 'not a DICOM file\n');
  writeFileSync(join(dir, 'cut.dcm'), good.subarray(0, good.length - 3));
  return dir;
}

test('inspect --json: one object per file, exact keys, errors per file, exit 0', async () => {
  const dir = makeFolder();
  try {
    const r = await runCliCaptured(['inspect', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 4);
    const byName = new Map(lines.map((l) => [String(l['file']).slice(dir.length + 1), l]));
    const good = byName.get('series/deeper/IM0001')!;
    assert.deepEqual(Object.keys(good), KEYS);
    assert.deepEqual(good['hu'], { min: -3024, max: 976, mean: (-3024 - 1024 - 24 + 976) / 4, std: Math.sqrt([-3024, -1024, -24, 976].map((v) => (v + 774) ** 2).reduce((a, b) => a + b) / 4) });
    assert.equal(good['sopInstanceUid'], '1.2.9');
    assert.equal(good['rsna12BitFix'], false);
    const wrapped = byName.get('series/wrapped.dcm')!;
    assert.equal(wrapped['rsna12BitFix'], true);
    assert.deepEqual(wrapped['hu'], { min: 0, max: 4095, mean: 2047.5, std: 2047.5 }, 'stats before any correction');
    assert.deepEqual(Object.keys(byName.get('notes.txt')!), ['file', 'error']);
    assert.equal((byName.get('notes.txt')!['error'] as { code: string }).code, 'ICH_E_NOT_DICOM');
    assert.equal((byName.get('cut.dcm')!['error'] as { code: string }).code, 'ICH_E_TRUNCATED');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inspect table mode and --sha256; a missing path is reported, not fatal', async () => {
  const dir = makeFolder();
  try {
    const table = await runCliCaptured(['inspect', join(dir, 'series'), join(dir, 'missing.dcm')]);
    assert.equal(table.code, 0);
    const rows = table.stdout.trim().split('\n');
    assert.equal(rows.length, 4, 'header + 3 rows');
    assert.match(rows[0]!, /^file\tsyntax/);
    assert.match(table.stdout, /missing\.dcm\tICH_E_FILE_NOT_FOUND/);
    const sha = await runCliCaptured(['inspect', '--json', '--sha256', join(dir, 'series', 'deeper', 'IM0001')]);
    const rec = JSON.parse(sha.stdout) as { rawSha256: string };
    // SHA-256 of the int16 little-endian bytes of [-2000, 0, 1000, 2000], i.e. of 30f80000e803d007
    // (computed independently: printf '\x30\xf8\x00\x00\xe8\x03\xd0\x07' | sha256sum).
    assert.equal(rec.rawSha256, '01fab75c54d73fdd861ad38f12fc770da1c250e7db284047f083011a566b9ce8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inspect with no paths is a usage error (exit 2)', async () => {
  const r = await runCliCaptured(['inspect']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ICH_E_USAGE/);
});
