/**
 * The streaming batch loader: an epoch's ordered image ids → batches `{x: NHWC float32, y: n×6,
 * ids}` as an async iterator, decoded and preprocessed on a pool of worker threads (or on the main
 * thread with `workers: 0`), delivered in order with bounded prefetch (backpressure: at most
 * `prefetch` batches are being built or waiting while the consumer works).
 *
 * Determinism: augmentation parameters are drawn here, on the main thread, item by item from
 * (seed, epoch) before any work is sent out, and workers only apply them; so the batches are
 * identical for any worker count. Failures: an unreadable file is logged once (per loader), its
 * item dropped from its batch (which then has fewer rows) and counted; the epoch goes on.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ichError } from '../core/errors.js';
import type { ImageId } from '../core/ids.js';
import { createRng, hashString } from '../core/random.js';
import type { Batch } from '../core/tensor.js';
import { drawAugmentParams, targetShape, TENSOR_CACHE_EXT, type AugmentConfig } from '../preprocess/index.js';
import type { Dataset, DatasetItem } from './dataset.js';
import { processLoadJob, type LoadFailure, type LoadJob, type LoadJobItem, type LoadJobResult, type LoaderPreprocess, type SliceRef } from './loader-job.js';
import { createWorkerPool, type WorkerPool } from '../core/worker-pool.js';
import { runInOrder } from './ordered-prefetch.js';

export interface LoaderOptions {
  dataset: Dataset;
  batchSize: number;
  /** THE preprocessing options (size, windows, sigmoid, 12-bit fix, padding); output is float32. */
  preprocess: LoaderPreprocess;
  /** 0: one slice; 1: (s−1, s, s+1) stacked as channels. */
  context?: 0 | 1;
  /** Seeded augmentation; omitted = none. */
  augment?: AugmentConfig;
  seed?: number;
  /** Worker threads; 0 = main thread. Default: cores − 1 (the trainer keeps one), at least 1. */
  workers?: number;
  /** Batches in flight ahead of the consumer (default 2 × workers, at least 2). */
  prefetch?: number;
  /** Tensor cache folder: slices are read from `<cacheDir>/<relPath>.ict`, written there on a miss. */
  cacheDir?: string;
  /** Drop a final batch smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Called once per failing file (default: a line on stderr). */
  onFailure?: (f: LoadFailure) => void;
}

export interface LoadedBatch {
  x: Batch<'float32'>;
  /** n × 6 targets in SUBTYPES order (NaN for unlabelled images). */
  y: Float32Array;
  ids: ImageId[];
}

export interface LoaderStats {
  batches: number;
  images: number;
  /** Items dropped because their own slice failed (every epoch counts). */
  skipped: number;
  /** Neighbour slices replaced by the current slice after failing. */
  replacedNeighbours: number;
  /** Distinct failing files → message. */
  failedFiles: Map<string, string>;
}

export interface BatchLoader {
  /** Channels per image: windows × (1 or 3). */
  readonly channels: number;
  /** The batches of one epoch, in the order of `ids`. */
  iterate(ids: readonly ImageId[], epoch: number): AsyncGenerator<LoadedBatch>;
  readonly stats: LoaderStats;
  close(): Promise<void>;
}

/** Cache file of a slice (mirrors the indexed folder's layout). */
export function cachePathFor(cacheDir: string, relPath: string): string {
  return join(cacheDir, `${relPath}${TENSOR_CACHE_EXT}`);
}

export function createBatchLoader(opts: LoaderOptions): BatchLoader {
  const { dataset, batchSize } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw ichError('ICH_E_USAGE', `batch size must be a positive integer, got ${batchSize}`);
  const aug = opts.augment;
  if (opts.cacheDir !== undefined && aug && ((aug.huOffset ?? 0) > 0 || (aug.huScale ?? 0) > 0)) {
    throw ichError('ICH_E_USAGE', 'HU jitter acts before windowing, so it cannot use a tensor cache: drop the cache or the HU jitter');
  }
  const context = opts.context ?? 0;
  const [h, w] = targetShape(opts.preprocess.size);
  const channels = opts.preprocess.windows.length * (context === 1 ? 3 : 1);
  const workers = opts.workers ?? Math.max(1, availableParallelism() - 1);
  const prefetch = Math.max(1, opts.prefetch ?? Math.max(2, 2 * workers));
  const pool: WorkerPool<LoadJob, LoadJobResult> | undefined =
    workers > 0 ? createWorkerPool<LoadJob, LoadJobResult>(new URL('./loader-worker.js', import.meta.url), workers) : undefined;
  const stats: LoaderStats = { batches: 0, images: 0, skipped: 0, replacedNeighbours: 0, failedFiles: new Map() };
  const report =
    opts.onFailure ?? ((f: LoadFailure) => process.stderr.write(`loader: [${f.code}] ${f.message}${f.dropped ? ' (image skipped)' : ' (neighbour replaced by the current slice)'}\n`));

  const ref = (item: DatasetItem): SliceRef => ({ id: item.id, file: item.file, cacheFile: opts.cacheDir === undefined ? null : cachePathFor(opts.cacheDir, item.relPath) });
  const neighbour = (id: ImageId | null, fallback: DatasetItem): SliceRef => ref((id !== null ? dataset.byId.get(id) : undefined) ?? fallback);
  const planItem = (id: ImageId, rng: ReturnType<typeof createRng> | undefined): LoadJobItem => {
    const item = dataset.byId.get(id);
    if (!item) throw ichError('ICH_E_INDEX', `image ${id} is not in the dataset`);
    const slices = context === 1 ? [neighbour(item.prevId, item), ref(item), neighbour(item.nextId, item)] : [ref(item)];
    return { id, slices, bits: item.bits ?? -1, aug: rng && aug ? drawAugmentParams(rng, aug) : null };
  };
  const run = (job: LoadJob): Promise<LoadJobResult> => (pool ? pool.run(job) : processLoadJob(job));
  const account = (r: LoadJobResult): void => {
    for (const f of r.failures) {
      if (f.dropped) stats.skipped++;
      else stats.replacedNeighbours++;
      if (!stats.failedFiles.has(f.file)) {
        stats.failedFiles.set(f.file, f.message);
        report(f);
      }
    }
  };

  async function* iterate(ids: readonly ImageId[], epoch: number): AsyncGenerator<LoadedBatch> {
    // All augmentation parameters are drawn up front, in epoch order, on this thread.
    const rng = aug ? createRng(((opts.seed ?? 0) ^ Math.imul(epoch + 1, 0x85ebca6b) ^ hashString('augment')) >>> 0) : undefined;
    const jobs: LoadJob[] = [];
    for (let i = 0; i < ids.length; i += batchSize) {
      if (opts.dropLast && i + batchSize > ids.length) break;
      const items = ids.slice(i, i + batchSize).map((id) => planItem(id, rng));
      jobs.push({ items, preprocess: opts.preprocess, shape: [h, w, channels] });
    }
    for await (const r of runInOrder(jobs, run, prefetch)) {
      account(r);
      if (r.ids.length === 0) continue;
      stats.batches++;
      stats.images += r.ids.length;
      yield { x: { dtype: 'float32', data: r.x, shape: [r.ids.length, h, w, channels] }, y: r.y, ids: r.ids as ImageId[] };
    }
  }

  return {
    channels,
    iterate,
    stats,
    async close() {
      await pool?.close();
    },
  };
}
