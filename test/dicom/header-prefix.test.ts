import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomHeader } from '../../src/dicom/index.js';
import { requireSharedData } from '../helpers/shared-data.js';

test('readDicomHeader stops at Pixel Data: a 64 KiB prefix gives the same metadata as the whole file', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const dir = join(shared, 'rsna-unlabeled-series');
  const files = readdirSync(dir).filter((f) => f.endsWith('.dcm')).slice(0, 5);
  assert.ok(files.length > 0);
  for (const name of files) {
    const bytes = readFileSync(join(dir, name));
    assert.ok(bytes.length > 64 * 1024, 'the test needs files larger than the prefix');
    const whole = readDicomHeader(bytes, name);
    const prefix = readDicomHeader(bytes.subarray(0, 64 * 1024), name);
    assert.deepEqual(prefix, whole);
    assert.equal(whole.rows, 512);
  }
});
