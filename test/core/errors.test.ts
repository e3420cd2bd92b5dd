import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, IchError, ichError, isIchError, toIchError } from '../../src/core/errors.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

test('every error code is ICH_E_*, has a message and an HTTP status', () => {
  for (const [code, def] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^ICH_E_[A-Z_]+$/);
    assert.ok(def.message.length > 5);
    assert.ok(def.status >= 400 && def.status < 600);
  }
});

test('the error table in docs/errors.md lists exactly the codes in src/core/errors.ts', () => {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/`(ICH_E_[A-Z_]+)`/g)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), Object.keys(ERROR_CODES).sort());
});

test('an IchError names the file and keeps code and status', () => {
  const e = ichError('ICH_E_NOT_DICOM', 'no DICM magic', { file: 'x/y.dcm' });
  assert.ok(e instanceof IchError);
  assert.equal(e.code, 'ICH_E_NOT_DICOM');
  assert.equal(e.status, 415);
  assert.match(e.message, /^x\/y\.dcm: Not a DICOM file: no DICM magic$/);
  assert.ok(isIchError(e, 'ICH_E_NOT_DICOM'));
  assert.ok(!isIchError(e, 'ICH_E_DECODE'));
});

test('toIchError wraps strings and plain objects thrown by libraries', () => {
  assert.equal(toIchError('dicomParser: bad', 'ICH_E_DECODE', 'f').code, 'ICH_E_DECODE');
  assert.match(toIchError({ exception: 'eof' }, 'ICH_E_TRUNCATED', 'f').message, /eof/);
  assert.equal(toIchError(new Error('codec failed:\n  bad tile\n'), 'ICH_E_DECODE', 'f').message, 'f: Pixel data could not be decoded: codec failed: bad tile');
  const orig = ichError('ICH_E_BAD_TAG');
  assert.equal(toIchError(orig, 'ICH_E_DECODE'), orig);
});
