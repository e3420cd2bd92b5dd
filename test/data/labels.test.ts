import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIchError } from '../../src/core/errors.js';
import { asImageId } from '../../src/core/ids.js';
import { labelBitsToVector, parseLabelKey, readLabelsCsv } from '../../src/data/index.js';
import { requireSharedData } from '../helpers/shared-data.js';
import { kaggleCsv } from './helpers/tiny-ct.js';

function withCsv(text: string, fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-labels-'));
  const file = join(dir, 'labels.csv');
  writeFileSync(file, text);
  return fn(file).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('parseLabelKey splits at the last underscore and rejects other shapes', () => {
  assert.deepEqual(parseLabelKey('ID_000039fa0_subdural'), { imageId: 'ID_000039fa0', subtype: 'subdural' });
  assert.equal(parseLabelKey('ID_000039fa0_bleed'), undefined);
  assert.equal(parseLabelKey('000039fa0_any'), undefined);
});

test('six rows per image become one record in SUBTYPES order; duplicates, conflicts, incomplete and corrupt ids are handled', async () => {
  // a: subdural + any; b: negative; its "any" row repeated (duplicate) and its epidural row repeated with 1 (conflict)
  let text = kaggleCsv([
    ['ID_aa', 0b110000],
    ['ID_bb', 0],
    ['ID_6431af929', 0], // the known-corrupt image
  ]);
  text += 'ID_bb_any,0\nID_bb_epidural,1\nID_cc_any,1\r\n'; // duplicate, conflict, incomplete (CRLF too)
  await withCsv(text, async (file) => {
    const t = await readLabelsCsv(file);
    assert.equal(t.labels.get(asImageId('ID_aa')), 0b110000);
    assert.deepEqual([...labelBitsToVector(0b110000)], [0, 0, 0, 0, 1, 1]);
    assert.equal(t.labels.get(asImageId('ID_bb')), 0, 'first value kept on conflict');
    assert.equal(t.labels.size, 2);
    assert.match(t.excluded.get(asImageId('ID_6431af929')) ?? '', /corrupt/);
    assert.match(t.excluded.get(asImageId('ID_cc')) ?? '', /incomplete labels: epidural, .*subdural missing/);
    assert.deepEqual(t.stats, { rows: 21, images: 2, duplicateRows: 1, conflictingRows: 1, incomplete: 1, inconsistentAny: 0, excluded: 2 });
  });
});

test('malformed label files fail with ICH_E_BAD_LABELS naming file and line', async () => {
  for (const [text, re] of [
    ['Image,Label\n', /line 1: expected header/],
    ['ID,Label\nID_aa_any,0.5\n', /line 2: label must be 0 or 1/],
    ['ID,Label\nID_aa_any,1\nnonsense\n', /line 3: expected/],
  ] as const) {
    await withCsv(text, async (file) => {
      await assert.rejects(readLabelsCsv(file), (e) => isIchError(e, 'ICH_E_BAD_LABELS') && re.test(e.message) && e.file === file);
    });
  }
  await assert.rejects(readLabelsCsv('/nonexistent/labels.csv'), (e) => isIchError(e, 'ICH_E_FILE_NOT_FOUND'));
});

test('rsna-dev labels: 518 images, 49 any-positive, no epidural (counts from ../shared/data/README.md)', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const table = await readLabelsCsv(join(shared, 'rsna-dev', 'labels.csv'));
  assert.equal(table.labels.size, 518);
  const count = (bit: number): number => [...table.labels.values()].filter((b) => (b >> bit) & 1).length;
  assert.equal(count(5), 49);
  assert.equal(count(0), 0);
  assert.equal(table.stats.inconsistentAny, 0);
});
