/** Shared helpers for the synth tests: temp folders and a whole-folder hash. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `ichscan-synth-${label}-`));
}

/** SHA-256 over every file's relative path and bytes, in sorted order. */
export function hashTree(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(relative(root, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(root);
  return h.digest('hex');
}

/** The small dataset the tests share: 2 studies × 8 slices at 128², all with hemorrhage drawn. */
export const SMALL = { studies: 2, slicesPerStudy: [8, 8] as [number, number], size: 128, seed: 7, prevalence: 1 };
