/**
 * Access to ../shared/data (real RSNA/CQ500/corpus files that must never be committed).
 * Where it is absent (a user's clone) tests skip with a message; under CI=true absence fails.
 * The RSNA tarball is unpacked once into .cache/rsna-dev (atomic rename, so test files running
 * in parallel processes never see a half-unpacked folder).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** Project root (dist/test/helpers → ../../..). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function sharedDataDir(): string | undefined {
  const env = process.env['ICHSCAN_SHARED_DATA'];
  const dir = env ? resolve(env) : resolve(PROJECT_ROOT, '..', 'shared', 'data');
  return existsSync(join(dir, 'README.md')) ? dir : undefined;
}

/**
 * Returns the shared data folder, or skips the test (throws under CI=true, where it must exist).
 */
export function requireSharedData(t: TestContext): string | undefined {
  const dir = sharedDataDir();
  if (dir) return dir;
  if (process.env['CI'] === 'true') throw new Error('../shared/data is missing but CI=true: shared data must be present in CI');
  t.skip('../shared/data not found (set ICHSCAN_SHARED_DATA): skipping real-data test');
  return undefined;
}

/** Unpacks rsna-dev/images.tar.xz into .cache/rsna-dev once; returns the folder holding the .dcm files. */
export function rsnaDevImagesDir(shared: string): string {
  const target = join(PROJECT_ROOT, '.cache', 'rsna-dev');
  if (!existsSync(join(target, '.complete'))) {
    const tmp = `${target}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    execFileSync('tar', ['-xJf', join(shared, 'rsna-dev', 'images.tar.xz'), '-C', tmp]);
    execFileSync('touch', [join(tmp, '.complete')]);
    try {
      renameSync(tmp, target);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process won the race
    }
  }
  return target;
}
