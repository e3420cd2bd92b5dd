import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIchError } from '../../src/core/errors.js';
import { buildIndex, openIndexDb, scanHeaderFile, type IndexDb } from '../../src/data/index.js';
import { kaggleCsv, tinyCtBytes, writeTinyCt, writeTinyDataset } from './helpers/tiny-ct.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ichscan-index-'));
}

function dumpImages(db: IndexDb): unknown[] {
  return db.prepare('SELECT * FROM images ORDER BY image_id').all();
}

test('index: counts, errors, labels joined, series ordered by z with neighbours; same rows for 0 and 2 workers', async () => {
  const dir = tmp();
  try {
    const slices = writeTinyDataset(join(dir, 'images'), 3, 5);
    writeFileSync(join(dir, 'images', 'notes.txt'), 'not a dicom file');
    writeFileSync(join(dir, 'images', 'ID_dead01.dcm'), tinyCtBytes({ ...(slices[0] as (typeof slices)[0]), sopUid: '9.9' }).subarray(0, 300)); // truncated
    writeFileSync(join(dir, 'images', '.hidden.dcm'), 'skipped');
    const labelled = slices.filter((s) => s.patientId !== 'PAT2');
    const ids = labelled.map((s) => s.name.replace(/^.*\/|\.dcm$/g, ''));
    writeFileSync(join(dir, 'labels.csv'), kaggleCsv([...ids.map((id, i): [string, number] => [id, i % 4 === 0 ? 0b100010 : 0]), ['ID_ffff', 1 << 5]]));
    const dbs: string[] = [];
    for (const workers of [0, 2]) {
      const db = join(dir, `w${workers}.db`);
      dbs.push(db);
      const r = await buildIndex({ dir: join(dir, 'images'), db, labels: join(dir, 'labels.csv'), workers, chunkSize: 4, progress: false });
      assert.equal(r.scanned, 17);
      const s = r.summary;
      assert.deepEqual([s.files, s.images, s.series, s.studies, s.patients, s.errors], [17, 15, 3, 3, 3, 2]);
      assert.deepEqual(s.errorsByCode, { ICH_E_NOT_DICOM: 1, ICH_E_TRUNCATED: 1 });
      assert.equal(s.labelled, 10);
      assert.equal(s.positives.any, ids.filter((_, i) => i % 4 === 0).length);
      assert.equal(s.positives.intraparenchymal, s.positives.any);
      assert.equal(s.labelsWithoutFile, 1);
      assert.equal(s.filesWithoutLabels, 5);
    }
    const [a, b] = dbs.map((f) => openIndexDb(f as string, { readonly: true }));
    try {
      assert.deepEqual(dumpImages(a as IndexDb), dumpImages(b as IndexDb));
      const rows = (a as IndexDb).prepare('SELECT image_id, series_key, series_rank, series_len, prev_id, next_id, z FROM images ORDER BY series_key, series_rank').all() as {
        image_id: string; series_key: string; series_rank: number; series_len: number; prev_id: string | null; next_id: string | null; z: number;
      }[];
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i] as (typeof rows)[0];
        assert.equal(r.series_len, 5);
        assert.equal(r.z, 5 * r.series_rank, 'rank follows z although files were written out of order');
        const prev = rows[i - 1];
        const next = rows[i + 1];
        assert.equal(r.prev_id, r.series_rank === 0 ? null : prev?.image_id);
        assert.equal(r.next_id, r.series_rank === 4 ? null : next?.image_id);
      }
      const err = (a as IndexDb).prepare("SELECT error_code, error_message FROM files WHERE path = 'ID_dead01.dcm'").get() as { error_code: string; error_message: string };
      assert.match(err.error_code, /^ICH_E_/);
      assert.match(err.error_message, /ID_dead01\.dcm/);
    } finally {
      a?.close();
      b?.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('index re-run is a no-op; new, changed and removed files are picked up; another folder is refused', async () => {
  const dir = tmp();
  try {
    const images = join(dir, 'images');
    writeTinyDataset(images, 2, 3);
    const db = join(dir, 'i.db');
    const first = await buildIndex({ dir: images, db, workers: 1, progress: false });
    assert.equal(first.scanned, 6);
    const conn = openIndexDb(db, { readonly: true });
    const before = dumpImages(conn);
    conn.close();
    const again = await buildIndex({ dir: images, db, workers: 1, progress: false });
    assert.deepEqual([again.scanned, again.skipped, again.removed], [0, 6, 0]);
    const conn2 = openIndexDb(db, { readonly: true });
    assert.deepEqual(dumpImages(conn2), before, 're-run changes nothing');
    conn2.close();
    writeTinyCt(images, { name: 'p0/ID_0b99.dcm', patientId: 'PAT0', studyUid: '1.2.3.0', seriesUid: '1.2.3.0.1', sopUid: '1.2.3.0.1.99', z: 7, hu: 1 });
    unlinkSync(join(images, 'p1', 'ID_b00aa.dcm'));
    writeFileSync(join(images, 'broken.dcm'), 'not DICOM');
    const third = await buildIndex({ dir: images, db, workers: 0, progress: false });
    assert.deepEqual([third.scanned, third.skipped, third.removed], [2, 5, 1]);
    const fourth = await buildIndex({ dir: images, db, workers: 0, progress: false, retryErrors: true });
    assert.deepEqual([fourth.scanned, fourth.summary.errors], [1, 1], 'only the failed file is retried');
    unlinkSync(join(images, 'broken.dcm'));
    assert.equal((await buildIndex({ dir: images, db, workers: 0, progress: false })).removed, 1);
    assert.equal(third.summary.images, 6);
    const conn3 = openIndexDb(db, { readonly: true });
    const mid = conn3.prepare("SELECT prev_id, next_id FROM images WHERE image_id = 'ID_0b99'").get();
    conn3.close();
    assert.deepEqual(mid, { prev_id: 'ID_a01aa', next_id: 'ID_a02aa' }, 'z = 7 sits between z = 5 and z = 10');
    await assert.rejects(buildIndex({ dir, db, progress: false }), (e) => isIchError(e, 'ICH_E_USAGE') && /describes/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a header longer than the 64 KiB prefix is read from the whole file', () => {
  const dir = tmp();
  try {
    const file = writeTinyCt(dir, { name: 'ID_0c0.dcm', patientId: 'P', studyUid: '1.1', seriesUid: '1.1.1', sopUid: '1.1.1.1', z: 3, hu: 40, padHeaderBytes: 100_000 });
    const r = scanHeaderFile(file, 'ID_0c0.dcm', 64 * 1024);
    assert.ok(r.ok, JSON.stringify(r));
    if (r.ok) assert.deepEqual([r.record.imageId, r.record.z, r.record.patientId], ['ID_0c0', 3, 'P']);
    const missing = scanHeaderFile(join(dir, 'nope.dcm'), 'nope.dcm');
    assert.equal(missing.ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('image id is the file stem for Kaggle names, else the SOPInstanceUID', () => {
  const dir = tmp();
  try {
    const file = writeTinyCt(dir, { name: 'slice-001.dcm', patientId: 'P', studyUid: '1.1', seriesUid: '1.1.1', sopUid: '1.1.1.7', z: 0, hu: 0 });
    const r = scanHeaderFile(file, 'slice-001.dcm');
    assert.ok(r.ok && r.record.imageId === '1.1.1.7');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ichscan index CLI: text summary, usage errors, missing folder', async () => {
  const { runCliCaptured } = await import('../helpers/cli.js');
  const dir = tmp();
  try {
    writeTinyDataset(join(dir, 'images'), 2, 3);
    const db = join(dir, 'i.db');
    const ok = await runCliCaptured(['index', join(dir, 'images'), '--db', db, '--workers', '0']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /scanned 6 files, skipped 0 unchanged/);
    assert.match(ok.stdout, /images 6, series 2, studies 2, patients 2, errors 0/);
    assert.equal((await runCliCaptured(['index', join(dir, 'images')])).code, 2, '--db is required');
    assert.equal((await runCliCaptured(['index', '--db', db])).code, 2, 'a folder is required');
    const missing = await runCliCaptured(['index', join(dir, 'nope'), '--db', join(dir, 'other.db')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ICH_E_FILE_NOT_FOUND/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('duplicate image ids: the first file in path order is indexed, the other recorded as ICH_E_INDEX, whatever the thread count', async () => {
  const dir = tmp();
  try {
    const images = join(dir, 'images');
    for (let i = 0; i < 12; i++) {
      for (const copy of ['a', 'b']) {
        writeTinyCt(images, { name: `s${String(i).padStart(2, '0')}${copy}.dcm`, patientId: 'P', studyUid: '1.9', seriesUid: '1.9.1', sopUid: `1.9.1.${i}`, z: i, hu: i });
      }
    }
    const dumps: unknown[] = [];
    for (const workers of [0, 2]) {
      const db = join(dir, `w${workers}.db`);
      const r = await buildIndex({ dir: images, db, workers, chunkSize: 1, progress: false });
      assert.deepEqual([r.summary.images, r.summary.errorsByCode], [12, { ICH_E_INDEX: 12 }]);
      const conn = openIndexDb(db, { readonly: true });
      dumps.push(conn.prepare('SELECT path, image_id, error_code FROM files ORDER BY path').all());
      conn.close();
    }
    assert.deepEqual(dumps[0], dumps[1]);
    assert.ok((dumps[0] as { path: string; error_code: string | null }[]).every((f) => (f.error_code === null) === f.path.endsWith('a.dcm')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
