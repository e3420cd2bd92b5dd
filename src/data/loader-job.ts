/**
 * One loader job = one batch: read each item's slices (from the tensor cache or by decoding the
 * DICOM), preprocess them with THE pipeline (`preprocessDecoded`, HU jitter included), stack the
 * 2.5D context as channels, apply the item's pre-drawn geometric augmentation, and pack the batch.
 * The same function runs inside loader workers and on the main thread (workers: 0), so both paths
 * give identical bytes for identical jobs.
 *
 * Channel layout with context 1 and windows [w1..wW]: [prev w1..wW, cur w1..wW, next w1..wW]
 * (C = 3W); a missing neighbour (series end) repeats the current slice. An unreadable neighbour is
 * replaced by the current slice too and reported; an unreadable current slice drops the item.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ichError, toIchError } from '../core/errors.js';
import type { Image } from '../core/tensor.js';
import { decodeDicomSync, initCodecs } from '../dicom/index.js';
import { readFileStart } from './read-file-start.js';
import {
  applyAugment,
  huJitterOf,
  preprocessDecoded,
  readTensorCache,
  targetShape,
  writeTensorCache,
  type TensorCacheEntry,
  type AugmentParams,
  type PreprocessOptions,
} from '../preprocess/index.js';

/** One slice to read: the DICOM file and, when caching, its tensor cache file. */
export interface SliceRef {
  id: string;
  file: string;
  cacheFile: string | null;
}

export interface LoadJobItem {
  id: string;
  /** [cur] or [prev, cur, next] (edges already resolved to cur). */
  slices: SliceRef[];
  /** Label bits; -1 when unlabelled (y row becomes NaN). */
  bits: number;
  aug: AugmentParams | null;
}

/** Preprocess options without dtype (the loader always delivers float32). */
export type LoaderPreprocess = Omit<PreprocessOptions, 'dtype' | 'huOffset' | 'huScale'>;

export interface LoadJob {
  items: LoadJobItem[];
  preprocess: LoaderPreprocess;
  /** Height, width, channels of one output image. */
  shape: [number, number, number];
}

export interface LoadFailure {
  id: string;
  file: string;
  code: string;
  message: string;
  /** True when the item itself was dropped (its own slice failed); false for a replaced neighbour. */
  dropped: boolean;
}

export interface LoadJobResult {
  /** NHWC, n = ids.length. */
  x: Float32Array;
  /** n × 6 label values (NaN for unlabelled). */
  y: Float32Array;
  ids: string[];
  failures: LoadFailure[];
}

/** Codecs (JPEG, JPEG-LS, J2K, HTJ2K) load once per thread; if they cannot, compressed files fail one by one. */
let codecs: Promise<unknown> | undefined;

/** Decodes and preprocesses synchronously: the shared read buffer is only valid until the next read. */
function decodeAndPreprocess<D extends 'float32' | 'uint8'>(file: string, opts: PreprocessOptions & { dtype: D }): Image<D> {
  const decoded = decodeDicomSync(readFileStart(file, Infinity).data, file);
  return preprocessDecoded(decoded, opts) as Image<D>;
}

/**
 * One slice as a float32 HWC image in [0, 1]. With a cache file: read it when present (written by
 * an earlier epoch), else preprocess to uint8 and write it — so the first and later epochs see the
 * same (8-bit) values. Without a cache: float32 straight from the pipeline, HU jitter included.
 */
function loadSlice(ref: SliceRef, opts: LoaderPreprocess, aug: AugmentParams | null): Image<'float32'> {
  if (ref.cacheFile !== null) {
    let bytes: Image<'uint8'>;
    if (existsSync(ref.cacheFile)) {
      const entry = readTensorCache(ref.cacheFile);
      checkCacheMatches(entry, opts, ref.cacheFile);
      const [, h, w, c] = entry.tensor.shape;
      bytes = entry.tensor.dtype === 'uint8' ? { dtype: 'uint8', data: entry.tensor.data.subarray(0, h * w * c), shape: [h, w, c] } : quantize(entry.tensor.data.subarray(0, h * w * c), [h, w, c]);
    } else {
      bytes = decodeAndPreprocess(ref.file, { ...opts, dtype: 'uint8' });
      mkdirSync(dirname(ref.cacheFile), { recursive: true });
      writeTensorCache(ref.cacheFile, bytes, {
        windows: [...opts.windows],
        sigmoid: opts.sigmoid ?? false,
        rsna12BitFix: opts.rsna12BitFix ?? true,
        padToAir: opts.padToAir ?? true,
        source: ref.file,
        writer: 'ichscan loader',
      });
    }
    const f = new Float32Array(bytes.data.length);
    for (let i = 0; i < f.length; i++) f[i] = (bytes.data[i] as number) / 255;
    return { dtype: 'float32', data: f, shape: bytes.shape };
  }
  return decodeAndPreprocess(ref.file, { ...opts, dtype: 'float32', ...(aug ? huJitterOf(aug) : {}) });
}

/** A cache written with other windows or size would silently feed wrong pixels: refuse it. */
function checkCacheMatches(entry: TensorCacheEntry, opts: LoaderPreprocess, file: string): void {
  const [th, tw] = targetShape(opts.size);
  const [, h, w] = entry.tensor.shape;
  const same =
    h === th &&
    w === tw &&
    entry.meta.sigmoid === (opts.sigmoid ?? false) &&
    entry.meta.windows.length === opts.windows.length &&
    entry.meta.windows.every((win, i) => win.level === opts.windows[i]?.level && win.width === opts.windows[i]?.width) &&
    (entry.meta.rsna12BitFix === undefined || entry.meta.rsna12BitFix === (opts.rsna12BitFix ?? true)) &&
    (entry.meta.padToAir === undefined || entry.meta.padToAir === (opts.padToAir ?? true));
  if (!same) {
    const made = `${h}×${w}, windows ${entry.meta.windows.map((x) => x.name).join('+')}, sigmoid ${entry.meta.sigmoid}, 12-bit fix ${entry.meta.rsna12BitFix ?? '?'}, pad to air ${entry.meta.padToAir ?? '?'}`;
    throw ichError('ICH_E_CACHE_FORMAT', `made with other settings (${made}); use another cache folder`, { file });
  }
}

function quantize(data: Float32Array | Uint8Array, shape: [number, number, number]): Image<'uint8'> {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.min(255, Math.max(0, Math.round((data[i] as number) * 255)));
  return { dtype: 'uint8', data: out, shape };
}

/** Interleaves k images of W channels into one of k·W channels, per pixel [img0 ch..., img1 ch..., ...]. */
export function stackChannels(images: readonly Image<'float32'>[]): Image<'float32'> {
  const first = images[0];
  if (!first) throw new Error('stackChannels: no images');
  if (images.length === 1) return first;
  const [h, w, c] = first.shape;
  const k = images.length;
  const out = new Float32Array(h * w * c * k);
  for (let j = 0; j < k; j++) {
    const src = (images[j] as Image<'float32'>).data;
    for (let p = 0; p < h * w; p++) {
      const o = p * c * k + j * c;
      for (let ch = 0; ch < c; ch++) out[o + ch] = src[p * c + ch] as number;
    }
  }
  return { dtype: 'float32', data: out, shape: [h, w, c * k] };
}

export async function processLoadJob(job: LoadJob): Promise<LoadJobResult> {
  const [h, w, c] = job.shape;
  const per = h * w * c;
  const x = new Float32Array(job.items.length * per);
  const y = new Float32Array(job.items.length * 6);
  const ids: string[] = [];
  const failures: LoadFailure[] = [];
  await (codecs ??= initCodecs().catch(() => undefined));
  // Slices shared by items of this batch (neighbours) are read once per HU-jitter setting.
  const memo = new Map<string, Image<'float32'> | { error: unknown }>();
  const slice = (ref: SliceRef, aug: AugmentParams | null): Image<'float32'> => {
    const key = `${ref.file}|${ref.cacheFile === null && aug ? `${aug.huOffset},${aug.huScale}` : ''}`;
    let got = memo.get(key);
    if (!got) {
      try {
        got = loadSlice(ref, job.preprocess, aug);
      } catch (error) {
        got = { error };
      }
      memo.set(key, got);
    }
    if ('error' in got) throw got.error;
    return got;
  };
  for (const item of job.items) {
    const mid = Math.floor(item.slices.length / 2);
    const cur = item.slices[mid] as SliceRef;
    let centre: Image<'float32'>;
    try {
      centre = slice(cur, item.aug);
    } catch (e) {
      const err = toIchError(e, 'ICH_E_DECODE', cur.file);
      failures.push({ id: item.id, file: cur.file, code: err.code, message: err.message, dropped: true });
      continue;
    }
    const parts: Image<'float32'>[] = [];
    for (let j = 0; j < item.slices.length; j++) {
      const ref = item.slices[j] as SliceRef;
      if (j === mid || ref.file === cur.file) {
        parts.push(centre);
        continue;
      }
      try {
        parts.push(slice(ref, item.aug));
      } catch (e) {
        const err = toIchError(e, 'ICH_E_DECODE', ref.file);
        failures.push({ id: ref.id, file: ref.file, code: err.code, message: err.message, dropped: false });
        parts.push(centre);
      }
    }
    let img = stackChannels(parts);
    if (item.aug) img = applyAugment(img, item.aug);
    const n = ids.length;
    if (img.data.length !== per) {
      failures.push({ id: item.id, file: cur.file, code: 'ICH_E_BAD_DIMENSIONS', message: `${cur.file}: image is ${img.shape.join('×')}, expected ${h}×${w}×${c}`, dropped: true });
      continue;
    }
    x.set(img.data, n * per);
    for (let s = 0; s < 6; s++) y[n * 6 + s] = item.bits < 0 ? NaN : (item.bits >> s) & 1;
    ids.push(item.id);
  }
  const n = ids.length;
  return { x: n === job.items.length ? x : x.slice(0, n * per), y: n === job.items.length ? y : y.slice(0, n * 6), ids, failures };
}
