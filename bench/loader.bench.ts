/**
 * `npm run bench:loader`: batches/s of the training loader on real RSNA slices (rsna-dev, 512×512
 * → 256×256, bss windows = 3 channels, batch 16), with and without augmentation, on 1 worker
 * thread (the trainer keeps the other core) and on the main thread for reference; also 2.5D context
 * (9 channels) and the tensor cache (second epoch). Files are warm in the page cache; each setting
 * runs one warm-up batch first (worker start, codec init), so the figures are steady-state rates.
 * Prints one line per setting and a JSON summary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WINDOW_STACKS } from '../src/core/windows.js';
import { buildIndex, createBatchLoader, openIndexDb, readDataset, sampleEpoch, toSampleItems, type LoaderOptions } from '../src/data/index.js';
import type { AugmentConfig } from '../src/preprocess/index.js';
import { rsnaDevImagesDir, sharedDataDir } from '../test/helpers/shared-data.js';

const BATCH = 16;
const IMAGES = Number(process.env['BENCH_IMAGES'] ?? 256);
const AUGMENT: AugmentConfig = { flipProbability: 0.5, rotationDeg: 10, scale: 0.1, shiftPx: 8, minCrop: 0.9, huOffset: 5, huScale: 0.03 };

async function main(): Promise<void> {
  const shared = sharedDataDir();
  if (!shared) {
    console.error('bench:loader needs ../shared/data (rsna-dev); set ICHSCAN_SHARED_DATA');
    process.exitCode = 1;
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'ichscan-bench-loader-'));
  try {
    const db = join(work, 'rsna.db');
    await buildIndex({ dir: join(rsnaDevImagesDir(shared), 'images'), db, labels: join(shared, 'rsna-dev', 'labels.csv'), progress: false });
    const conn = openIndexDb(db, { readonly: true });
    const dataset = readDataset(conn);
    conn.close();
    const all = sampleEpoch(toSampleItems(dataset.items), { kind: 'all' }, 1, 0);
    const ids = Array.from({ length: IMAGES }, (_, i) => all[i % all.length] as (typeof all)[0]);
    const base: Omit<LoaderOptions, 'workers'> = { dataset, batchSize: BATCH, preprocess: { size: 256, windows: WINDOW_STACKS['bss'] ?? [] }, seed: 1 };
    const settings: [string, Partial<LoaderOptions>, number][] = [
      ['1 worker, no augmentation', {}, 1],
      ['1 worker, augmentation', { augment: AUGMENT }, 1],
      ['main thread, no augmentation', {}, 0],
      ['main thread, augmentation', { augment: AUGMENT }, 0],
      ['1 worker, context 1 (9 channels), no augmentation', { context: 1 }, 1],
      [`${availableParallelism()} workers, augmentation`, { augment: AUGMENT }, availableParallelism()],
      ['1 worker, tensor cache (2nd epoch), no augmentation', { cacheDir: join(work, 'cache') }, 1],
    ];
    const out: Record<string, number> = {};
    for (const [name, extra, workers] of settings) {
      const loader = createBatchLoader({ ...base, ...extra, workers });
      // Warm-up (worker start, module load, codec init, lookup tables); with a cache: fill it.
      for await (const _ of loader.iterate(extra.cacheDir ? ids : ids.slice(0, BATCH), 0)) void _;
      const t = performance.now();
      let batches = 0;
      for await (const _ of loader.iterate(ids, 1)) batches++;
      const s = (performance.now() - t) / 1000;
      await loader.close();
      out[name] = batches / s;
      console.log(`${name}: ${(batches / s).toFixed(2)} batches/s = ${((batches * BATCH) / s).toFixed(1)} img/s (${batches} batches of ${BATCH} at 256², bss)`);
    }
    console.log(JSON.stringify({ bench: 'loader', batch: BATCH, size: 256, images: IMAGES, cores: availableParallelism(), batchesPerSecond: out }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
