/**
 * Cached frozen-trunk features for fast transfer learning: the globally pooled output of a frozen
 * backbone (InceptionV3 `mixed10` → 2048 values) is computed once per image and kept on disk, so
 * training the head costs a small matrix product per image instead of a full forward pass.
 *
 * Cache layout (one pair per feature key, i.e. trunk + input settings): `<dir>/<key>.f32`
 * (float32 rows, `width` values each, appended) and `<dir>/<key>.ids.json` (the row → image id
 * list, replaced atomically after each chunk's rows are appended). Rows beyond the id list (a kill
 * between the two writes) are cut off when the store opens, so a kill loses at most one chunk.
 * Features are of unaugmented images (augmentation cannot be cached). The store is held in memory
 * (8 KB per image for InceptionV3: 4 GB for the 520k training images of full RSNA).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createProgress } from '../core/progress.js';
import type { LoadedBatch } from '../data/index.js';

export interface FeatureStore {
  readonly width: number;
  has(id: string): boolean;
  /** The feature row of an image (a view; do not modify). */
  get(id: string): Float32Array | undefined;
  /** Adds rows (n × width) and persists the store. */
  add(ids: readonly string[], rows: Float32Array): void;
  readonly size: number;
}

/** Opens (or creates) the feature store `<dir>/<key>`. */
export function openFeatureStore(dir: string, key: string, width: number): FeatureStore {
  mkdirSync(dir, { recursive: true });
  const binFile = join(dir, `${key}.f32`);
  const idsFile = join(dir, `${key}.ids.json`);
  const index = new Map<string, number>();
  let ids: string[] = [];
  let data = new Float32Array(0);
  if (existsSync(binFile) && existsSync(idsFile)) {
    ids = JSON.parse(readFileSync(idsFile, 'utf8')) as string[];
    const b = readFileSync(binFile);
    data = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    if (data.length < ids.length * width) ids = ids.slice(0, Math.floor(data.length / width));
    if (data.length > ids.length * width) {
      truncateSync(binFile, ids.length * width * 4); // rows appended by a run killed before its id list
      data = data.slice(0, ids.length * width);
    }
    ids.forEach((id, i) => index.set(id, i));
  } else {
    writeFileSync(binFile, new Uint8Array(0));
    writeFileSync(idsFile, '[]');
  }
  const persist = (rows: Float32Array): void => {
    appendFileSync(binFile, new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
    writeFileSync(`${idsFile}.tmp`, JSON.stringify(ids));
    renameSync(`${idsFile}.tmp`, idsFile);
  };
  return {
    width,
    has: (id) => index.has(id),
    get(id) {
      const i = index.get(id);
      return i === undefined ? undefined : data.subarray(i * width, (i + 1) * width);
    },
    add(newIds, rows) {
      const grown = new Float32Array((ids.length + newIds.length) * width);
      grown.set(data.subarray(0, ids.length * width));
      grown.set(rows, ids.length * width);
      data = grown;
      for (const id of newIds) {
        index.set(id, ids.length);
        ids.push(id);
      }
      persist(rows);
    },
    get size() {
      return ids.length;
    },
  };
}

/**
 * Computes the features of every image of `ids` missing from the store with `featureModel`
 * (images → [n, width]), reading images through `batches` (called with the missing ids only).
 */
export async function fillFeatureStore(
  store: FeatureStore,
  ids: readonly string[],
  featureModel: tf.LayersModel,
  batches: (missing: string[]) => AsyncIterable<LoadedBatch>,
  log: NodeJS.WritableStream & { isTTY?: boolean },
  quiet: boolean,
): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !store.has(id));
  if (missing.length === 0) return;
  const progress = createProgress({ label: 'trunk features', total: missing.length, unit: 'img', stream: log, silent: quiet });
  for await (const b of batches(missing)) {
    const rows = tf.tidy(() => (featureModel.predict(tf.tensor4d(b.x.data, [...b.x.shape])) as tf.Tensor).dataSync() as Float32Array);
    store.add(b.ids, Float32Array.from(rows));
    progress.tick(b.ids.length);
  }
  progress.finish();
}
