/**
 * The data stage on `ichscan synth` output: the generator's studies.json is the ground truth for
 * slice order, labels and which slices were written the RSNA 12-bit way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUBTYPES } from '../../src/core/subtypes.js';
import { buildIndex, openIndexDb, splitIndex } from '../../src/data/index.js';
import { generateSynthDataset, type StudyRecord } from '../../src/synth/index.js';

test('synth: index counts, labels joined, 12-bit-fix flags and z order match studies.json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-synth-index-'));
  try {
    const out = join(dir, 'synth');
    const synth = await generateSynthDataset({ studies: 6, slicesPerStudy: [5, 7], size: 64, seed: 3, prevalence: 0.5, out });
    const studies = (JSON.parse(readFileSync(join(out, 'studies.json'), 'utf8')) as { studies: StudyRecord[] }).studies;
    const db = join(dir, 'synth.db');
    const r = await buildIndex({ dir: join(out, 'images'), db, labels: join(out, 'labels.csv'), workers: 2, progress: false });
    const s = r.summary;
    assert.deepEqual([s.files, s.images, s.patients, s.studies, s.series, s.errors], [synth.slices, synth.slices, 6, 6, 6, 0]);
    assert.deepEqual([s.labelled, s.labelsWithoutFile, s.filesWithoutLabels], [synth.slices, 0, 0]);
    for (const sub of SUBTYPES) {
      const expected = sub === 'any' ? synth.positiveSlices : synth.positiveSlicesBySubtype[sub];
      assert.equal(s.positives[sub], expected, sub);
    }
    const wrapped = studies.filter((st) => st.encoding === 'uint12-rsna-wrapped').reduce((n, st) => n + st.slices.length, 0);
    assert.ok(wrapped > 0, 'this seed writes some studies the RSNA 12-bit way');
    assert.equal(s.rsna12BitFix, wrapped);

    const conn = openIndexDb(db);
    try {
      const row = conn.prepare('SELECT series_rank AS rank, prev_id AS prev, next_id AS next, patient_id AS patient FROM images WHERE image_id = ?');
      for (const st of studies) {
        st.slices.forEach((sl, k) => {
          const got = row.get(sl.imageId) as { rank: number; prev: string | null; next: string | null; patient: string };
          assert.deepEqual(got, { rank: k, prev: st.slices[k - 1]?.imageId ?? null, next: st.slices[k + 1]?.imageId ?? null, patient: st.patientId });
        });
      }
      const folds = splitIndex(conn, { folds: 3, seed: 5 });
      assert.equal(folds.reduce((n, f) => n + f.patients.length, 0), 6);
    } finally {
      conn.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
