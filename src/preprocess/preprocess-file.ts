/**
 * One input file → one tensor cache file: read, decode (any supported syntax), run THE pipeline
 * (`preprocessDecoded`) on every frame, write `<out>/<relative path>.ict` atomically. Used by the
 * `preprocess` job on worker threads and on the main thread alike.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeDicom } from '../dicom/index.js';
import { toIchError, type IchErrorCode } from '../core/errors.js';
import type { WindowPreset } from '../core/windows.js';
import { preprocessDecoded } from './preprocess-decoded.js';
import type { TargetSize } from './resize.js';
import { TENSOR_CACHE_EXT, writeTensorCache, type TensorCacheMeta } from './tensor-cache.js';

/** The settings a preprocessed folder is made with (stored in its preprocess.json). */
export interface CacheSettings {
  size: TargetSize;
  windows: WindowPreset[];
  dtype: 'uint8' | 'float32';
  sigmoid: boolean;
  rsna12BitFix: boolean;
  padToAir: boolean;
}

/** Where the cache of input `relPath` ("/"-separated, relative to the input folder) is written. */
export function cachePathOf(outDir: string, relPath: string): string {
  return join(outDir, `${relPath}${TENSOR_CACHE_EXT}`);
}

export type FileOutcome = { rel: string; ok: true; frames: number } | { rel: string; ok: false; code: IchErrorCode; message: string };

/** Preprocess one file; never throws: a failure comes back as a coded outcome. */
export async function preprocessFileToCache(inputDir: string, outDir: string, rel: string, s: CacheSettings): Promise<FileOutcome> {
  try {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(inputDir, rel));
    } catch (e) {
      throw toIchError(e, 'ICH_E_FILE_READ', rel);
    }
    const decoded = await decodeDicom(bytes, rel);
    const frames = decoded.raw.frames;
    const opts = { size: s.size, windows: s.windows, dtype: s.dtype, sigmoid: s.sigmoid, rsna12BitFix: s.rsna12BitFix, padToAir: s.padToAir };
    const first = preprocessDecoded(decoded, opts, 0);
    const [h, w, c] = first.shape;
    const per = h * w * c;
    const data = frames === 1 ? first.data : s.dtype === 'uint8' ? new Uint8Array(per * frames) : new Float32Array(per * frames);
    if (frames > 1) {
      data.set(first.data, 0);
      for (let f = 1; f < frames; f++) data.set(preprocessDecoded(decoded, opts, f).data, f * per);
    }
    const meta: TensorCacheMeta = {
      windows: s.windows,
      sigmoid: s.sigmoid,
      source: rel,
      sopInstanceUid: decoded.meta.sopInstanceUid,
      rsna12BitFix: s.rsna12BitFix,
      padToAir: s.padToAir,
      writer: 'ichscan preprocess',
    };
    const out = cachePathOf(outDir, rel);
    mkdirSync(dirname(out), { recursive: true });
    const tensor = data instanceof Uint8Array ? { dtype: 'uint8' as const, data, shape: [frames, h, w, c] as const } : { dtype: 'float32' as const, data, shape: [frames, h, w, c] as const };
    writeTensorCache(out, tensor, meta);
    return { rel, ok: true, frames };
  } catch (e) {
    const err = toIchError(e, 'ICH_E_DECODE', rel);
    return { rel, ok: false, code: err.code, message: err.message };
  }
}
