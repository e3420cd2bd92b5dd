/**
 * The HU (+ blood-map) embeddings of a labelled folder, cached on disk: `<cache>/<name>-hu-<key>-v<variants>.json/.f32`
 * (embed-dataset.ts' cache format), keyed by every option that changes the numbers — the folder,
 * the blood segmenter's file hash, size, windows, variants and jitter seed. Head experiments
 * (logistic vs study head, CV runs) then never recompute the segmenter over thousands of slices.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createProgress } from '../../core/progress.js';
import type { WindowPreset } from '../../core/windows.js';
import type { HuRegion } from '../../model/features/cavity.js';
import { embedLabelledFolder, huEmbedder, readEmbeddingCache, writeEmbeddingCache, type BloodMapEngine, type EmbeddedDataset, type SliceEmbedder } from './embed-dataset.js';

export interface HuEmbedOptions {
  size: number;
  windows: readonly WindowPreset[];
  variants: number;
  seed: number;
  blood: BloodMapEngine | undefined;
  /** The segmenter file (its SHA-1 keys the cache); undefined without a segmenter. */
  bloodFile: string | undefined;
  /** The features' pixels (default 'frame'; 'cavity' gets its own cache files). */
  region?: HuRegion;
}

/** `sha1(file)` shortened, or 'none'. */
export function fileKey(file: string | undefined): string {
  return file ? createHash('sha1').update(readFileSync(file)).digest('hex').slice(0, 12) : 'none';
}

/** Embeds `images` (labels from `labels`) with the HU features, from the cache when it matches. */
export async function embedHuCached(cacheDir: string, name: string, images: string, labels: string, o: HuEmbedOptions): Promise<EmbeddedDataset> {
  const region = o.region ?? 'frame';
  const crop = o.blood?.crop ? `-crop${o.blood.crop.marginPx}` : '';
  const key = `${fileKey(o.bloodFile)}${crop}${region === 'frame' ? '' : `-${region}`}`;
  const options = { features: 'hu', blood: key, size: o.size, windows: o.windows.map((w) => w.name), variants: o.variants, seed: o.seed, images: resolve(images) };
  const prefix = join(cacheDir, `${name}-hu-${key}-v${o.variants}`);
  const hit = readEmbeddingCache(prefix, options);
  if (hit) return hit;
  const progress = createProgress({ label: `embed ${name} (${o.variants} variants)`, unit: 'series' });
  const inner = huEmbedder(o.windows, o.blood, region);
  const counting: SliceEmbedder = {
    features: inner.features,
    embed: async (ims, flip) => {
      const r = await inner.embed(ims, flip);
      progress.tick();
      return r;
    },
  };
  const { dataset, failures } = await embedLabelledFolder(counting, images, labels, { name, size: o.size, windows: o.windows, variants: o.variants, seed: o.seed });
  progress.finish();
  if (failures) process.stderr.write(`${name}: ${failures} unreadable files skipped\n`);
  writeEmbeddingCache(prefix, dataset, options);
  return dataset;
}

/** rsna-dev's images unpacked once into `cacheDir/rsna-dev-images` (a `.complete` marker says the tar finished). */
export function unpackRsnaDev(rsnaDir: string, cacheDir: string): string {
  mkdirSync(cacheDir, { recursive: true });
  const out = join(cacheDir, 'rsna-dev-images');
  if (!existsSync(join(out, '.complete'))) {
    mkdirSync(out, { recursive: true });
    execFileSync('tar', ['-xJf', join(rsnaDir, 'images.tar.xz'), '-C', out]);
    writeFileSync(join(out, '.complete'), '');
  }
  return out;
}
