import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asImageId, type ImageId } from '../../src/core/ids.js';
import { WINDOW_PRESETS } from '../../src/core/windows.js';
import {
  buildIndex,
  cachePathFor,
  createBatchLoader,
  openIndexDb,
  orderBySeries,
  readDataset,
  sampleEpoch,
  toSampleItems,
  type Dataset,
  type LoadedBatch,
  type LoaderOptions,
} from '../../src/data/index.js';
import { kaggleCsv, tinyCtBytes, writeTinyDataset, type TinySlice } from './helpers/tiny-ct.js';

let dir = '';
let dataset: Dataset;
let slices: TinySlice[] = [];
const idOf = (s: TinySlice): string => s.name.replace(/^.*\/|\.dcm$/g, '');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ichscan-loader-'));
  slices = writeTinyDataset(join(dir, 'images'), 3, 6);
  // Patient 2 stays unlabelled; in the others every third slice is subdural + any.
  writeFileSync(join(dir, 'labels.csv'), kaggleCsv(slices.filter((s) => s.patientId !== 'PAT2').map((s): [string, number] => [idOf(s), s.z % 15 === 0 ? 0b110000 : 0])));
  const db = join(dir, 'i.db');
  await buildIndex({ dir: join(dir, 'images'), db, labels: join(dir, 'labels.csv'), workers: 0, progress: false });
  const conn = openIndexDb(db, { readonly: true });
  dataset = readDataset(conn, { labelledOnly: false });
  conn.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(opts: Omit<LoaderOptions, 'dataset'>, ids: readonly ImageId[], epoch = 0): Promise<{ batches: LoadedBatch[]; skipped: number; failures: string[] }> {
  const failures: string[] = [];
  const loader = createBatchLoader({ dataset, onFailure: (f) => failures.push(f.file), ...opts });
  const batches: LoadedBatch[] = [];
  try {
    for await (const b of loader.iterate(ids, epoch)) batches.push(b);
  } finally {
    await loader.close();
  }
  return { batches, skipped: loader.stats.skipped, failures };
}

const brain = { size: 8, windows: [WINDOW_PRESETS.brain] };
const sliceById = (id: string): TinySlice => slices.find((s) => idOf(s) === id) as TinySlice;

test('batches from 2 workers equal the single-threaded path for the same seed (augmentation on)', async () => {
  const ids = sampleEpoch(toSampleItems(dataset.items), { kind: 'all' }, 4, 0);
  const opts = {
    batchSize: 5,
    preprocess: { size: 16, windows: [WINDOW_PRESETS.brain, WINDOW_PRESETS.subdural] },
    context: 1 as const,
    augment: { flipProbability: 0.5, rotationDeg: 15, scale: 0.1, shiftPx: 2, huOffset: 8, huScale: 0.05 },
    seed: 21,
  };
  const single = await collect({ ...opts, workers: 0 }, ids);
  const multi = await collect({ ...opts, workers: 2, prefetch: 3 }, ids);
  assert.equal(single.batches.length, 4);
  assert.deepEqual(single.batches.map((b) => b.x.shape), [[5, 16, 16, 6], [5, 16, 16, 6], [5, 16, 16, 6], [3, 16, 16, 6]]);
  assert.deepEqual(multi.batches.map((b) => b.ids), single.batches.map((b) => b.ids));
  for (let i = 0; i < single.batches.length; i++) {
    assert.deepEqual(multi.batches[i]?.x.data, single.batches[i]?.x.data, `batch ${i} pixels`);
    assert.deepEqual(multi.batches[i]?.y, single.batches[i]?.y);
  }
  assert.deepEqual(single.batches.flatMap((b) => b.ids), ids, 'in-order delivery');
  const other = await collect({ ...opts, workers: 0, seed: 22 }, ids);
  assert.notDeepEqual(other.batches[0]?.x.data, single.batches[0]?.x.data, 'another seed, other augmentation');
});

test('context 1 stacks [prev, cur, next] as channels from the z-ordered series; edges repeat the slice', async () => {
  // Patient 1, all six slices in z order; HU of slice k is 10k + 1, brain window (L40 W80) → HU / 80.
  const series = slices.filter((s) => s.patientId === 'PAT1').sort((a, b) => a.z - b.z);
  const ids = series.map((s) => asImageId(idOf(s)));
  const { batches } = await collect({ batchSize: 6, preprocess: brain, context: 1, workers: 0 }, ids);
  const b = batches[0] as LoadedBatch;
  assert.deepEqual(b.x.shape, [6, 8, 8, 3]);
  for (let k = 0; k < 6; k++) {
    const expected = [Math.max(k - 1, 0), k, Math.min(k + 1, 5)].map((j) => (series[j] as TinySlice).hu / 80);
    for (const pixel of [0, 37, 63]) {
      const got = Array.from(b.x.data.subarray((k * 64 + pixel) * 3, (k * 64 + pixel) * 3 + 3));
      got.forEach((v, c) => assert.ok(Math.abs(v - (expected[c] as number)) < 1e-6, `slice ${k} channel ${c}: ${v} vs ${expected[c]}`));
    }
  }
});

test('labels become y rows in SUBTYPES order; unlabelled images give NaN', async () => {
  const ids = [slices.find((s) => s.patientId === 'PAT0' && s.z === 15), slices.find((s) => s.patientId === 'PAT0' && s.z === 5), slices.find((s) => s.patientId === 'PAT2')].map((s) =>
    asImageId(idOf(s as TinySlice)),
  );
  const { batches } = await collect({ batchSize: 3, preprocess: brain, workers: 0 }, ids);
  const y = Array.from(batches[0]?.y ?? []);
  assert.deepEqual(y.slice(0, 12), [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
  assert.ok(y.slice(12).every(Number.isNaN));
});

test('an unreadable file mid-epoch is logged once, skipped and counted; the epoch goes on', async () => {
  const ids = slices.filter((s) => s.patientId === 'PAT0').map((s) => asImageId(idOf(s)));
  const victim = sliceById(ids[2] as string);
  const victimPath = join(dir, 'images', victim.name);
  const good = await collect({ batchSize: 4, preprocess: brain, workers: 1 }, ids);
  writeFileSync(victimPath, 'corrupted after indexing');
  try {
    const failures: string[] = [];
    const loader = createBatchLoader({ dataset, batchSize: 4, preprocess: brain, workers: 1, onFailure: (f) => failures.push(f.file) });
    const seen: ImageId[] = [];
    for (let epoch = 0; epoch < 2; epoch++) for await (const b of loader.iterate(ids, epoch)) seen.push(...b.ids);
    await loader.close();
    assert.deepEqual(failures, [victimPath], 'logged once across two epochs');
    assert.equal(loader.stats.skipped, 2, 'counted per epoch');
    assert.deepEqual(seen, [...ids.filter((id) => id !== ids[2]), ...ids.filter((id) => id !== ids[2])]);
    assert.equal(good.skipped, 0);
  } finally {
    writeFileSync(victimPath, tinyCtBytes(victim));
  }
});

test('tensor cache: the first epoch writes it, later epochs read it and see the same values', async () => {
  const cacheDir = join(dir, 'cache');
  const ids = slices.slice(0, 7).map((s) => asImageId(idOf(s)));
  const opts = { batchSize: 4, preprocess: { size: 8, windows: [WINDOW_PRESETS.brain, WINDOW_PRESETS.soft] }, workers: 1, cacheDir, context: 1 as const };
  const first = await collect(opts, ids, 0);
  for (const s of slices.slice(0, 7)) assert.ok(existsSync(cachePathFor(cacheDir, s.name)), `cache file for ${s.name}`);
  // Break a source file: the second epoch must not need it (it reads the cache).
  const src = join(dir, 'images', (slices[1] as TinySlice).name);
  writeFileSync(src, 'no longer DICOM');
  let second;
  try {
    second = await collect(opts, ids, 1);
  } finally {
    writeFileSync(src, tinyCtBytes(slices[1] as TinySlice));
  }
  assert.deepEqual(second.failures, []);
  assert.deepEqual(second.batches.map((b) => b.x.data), first.batches.map((b) => b.x.data));
  const direct = await collect({ ...opts, cacheDir: undefined, workers: 0 }, ids, 0);
  const a = first.batches[0]?.x.data ?? new Float32Array();
  const b = direct.batches[0]?.x.data ?? new Float32Array();
  assert.ok(a.every((v, i) => Math.abs(v - (b[i] as number)) <= 0.5 / 255 + 1e-6), 'cached values are the pipeline values rounded to 8 bits');
  assert.throws(() => createBatchLoader({ dataset, ...opts, augment: { huOffset: 5 } }), /HU jitter/);
});

test('backpressure: with prefetch 1 the loader builds at most one batch ahead of the consumer', async () => {
  const cacheDir = join(dir, 'cache-bp');
  const series = orderBySeries(dataset.items.filter((it) => it.seriesKey === '1.2.3.2.1'));
  const ids = series.map((it) => it.id);
  assert.equal(ids.length, 6);
  const loader = createBatchLoader({ dataset, batchSize: 2, preprocess: brain, workers: 1, prefetch: 1, cacheDir });
  const it = loader.iterate(ids, 0);
  const cached = (): number => series.filter((s) => existsSync(cachePathFor(cacheDir, s.relPath))).length;
  try {
    await it.next();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(cached() <= 4, `only the delivered batch and one more are built (${cached()} slices)`);
    let n = 1;
    while (!(await it.next()).done) n++;
    assert.equal(n, 3);
    assert.equal(cached(), 6);
  } finally {
    await loader.close();
  }
  assert.deepEqual(series.map((s) => s.rank), [0, 1, 2, 3, 4, 5], 'orderBySeries sorts by rank');
});

test('the cache written by `ichscan preprocess` is read by the loader (same file naming, same values)', async () => {
  const { runCliCaptured } = await import('../helpers/cli.js');
  const cacheDir = join(dir, 'cache-preprocess');
  const r = await runCliCaptured(['preprocess', join(dir, 'images'), '--out', cacheDir, '--size', '8', '--windows', 'brain,soft', '--workers', '0', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const ids = slices.slice(0, 6).map((s) => asImageId(idOf(s)));
  const opts = { batchSize: 6, preprocess: { size: 8, windows: [WINDOW_PRESETS.brain, WINDOW_PRESETS.soft] }, workers: 0 };
  // Break the sources: every slice must come from the preprocess output.
  for (const s of slices.slice(0, 6)) writeFileSync(join(dir, 'images', s.name), 'gone');
  let cached;
  try {
    cached = await collect({ ...opts, cacheDir }, ids);
  } finally {
    for (const s of slices.slice(0, 6)) writeFileSync(join(dir, 'images', s.name), tinyCtBytes(s));
  }
  assert.deepEqual(cached.failures, []);
  const direct = await collect(opts, ids);
  const a = cached.batches[0]?.x.data ?? new Float32Array();
  const b = direct.batches[0]?.x.data ?? new Float32Array(1);
  assert.equal(a.length, b.length);
  assert.ok(a.every((v, i) => Math.abs(v - (b[i] as number)) <= 0.5 / 255 + 1e-6));
});
