/**
 * The data stage on real RSNA slices (../shared/data/rsna-dev: 518 slices of 15 patients, labels in
 * Kaggle format; counts below are from ../shared/data/README.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { createBatchLoader, openIndexDb, readDataset, sampleEpoch, toSampleItems, type LoadedBatch } from '../../src/data/index.js';
import { runCliCaptured } from '../helpers/cli.js';
import { requireSharedData, rsnaDevImagesDir } from '../helpers/shared-data.js';

test('rsna-dev: index + labels + split through the CLI, z-ordered neighbours, loader workers == main thread', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const images = join(rsnaDevImagesDir(shared), 'images');
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-rsna-'));
  try {
    const db = join(dir, 'rsna.db');
    const r = await runCliCaptured(['index', images, '--db', db, '--labels', join(shared, 'rsna-dev', 'labels.csv'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(
      { files: s['files'], images: s['images'], studies: s['studies'], patients: s['patients'], errors: s['errors'], labelled: s['labelled'] },
      { files: 518, images: 518, studies: 15, patients: 15, errors: 0, labelled: 518 },
    );
    assert.deepEqual(s['positives'], { epidural: 0, intraparenchymal: 38, intraventricular: 3, subarachnoid: 9, subdural: 6, any: 49 });
    const again = JSON.parse((await runCliCaptured(['index', images, '--db', db, '--json'])).stdout) as Record<string, unknown>;
    assert.deepEqual([again['scanned'], again['skipped']], [0, 518]);

    const split = await runCliCaptured(['split', '--db', db, '--folds', '5', '--seed', '1', '--json']);
    assert.equal(split.code, 0, split.stderr);
    const folds = (JSON.parse(split.stdout) as { folds: { patients: string[]; images: number }[] }).folds;
    assert.equal(new Set(folds.flatMap((f) => f.patients)).size, 15);
    assert.equal(folds.reduce((n, f) => n + f.images, 0), 518);

    const conn = openIndexDb(db, { readonly: true });
    const pairs = conn.prepare('SELECT a.slice_pos AS a, b.slice_pos AS b FROM images a JOIN images b ON a.next_id = b.image_id').all() as { a: number; b: number }[];
    const lens = conn.prepare('SELECT SUM(series_len) AS n FROM (SELECT DISTINCT series_key, series_len FROM images)').get() as { n: number };
    const dataset = readDataset(conn, { excludeFolds: [0] });
    conn.close();
    assert.equal(pairs.length, 518 - 15, 'every slice but the last of each series has a next');
    assert.ok(pairs.every((p) => p.b > p.a), 'next slice is higher along the normal');
    assert.equal(lens.n, 518);
    assert.equal(dataset.items.length, 518 - (folds[0]?.images ?? 0));

    const ids = sampleEpoch(toSampleItems(dataset.items), { kind: 'resample', keep: { negative: 0.35, any: 0.5 }, oversample: {} }, 7, 0).slice(0, 12);
    const runs: LoadedBatch[][] = [];
    for (const workers of [0, 1]) {
      const loader = createBatchLoader({ dataset, batchSize: 6, preprocess: { size: 256, windows: WINDOW_STACKS['bss'] ?? [] }, context: 1, augment: { flipProbability: 0.5, rotationDeg: 10, huOffset: 5 }, seed: 3, workers });
      const got: LoadedBatch[] = [];
      for await (const b of loader.iterate(ids, 0)) got.push(b);
      await loader.close();
      assert.equal(loader.stats.skipped, 0);
      runs.push(got);
    }
    assert.deepEqual(runs[0]?.map((b) => b.x.shape), [[6, 256, 256, 9], [6, 256, 256, 9]]);
    assert.deepEqual(runs[1]?.map((b) => b.x.data), runs[0]?.map((b) => b.x.data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
