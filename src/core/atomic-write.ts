/**
 * Atomic file output: write to a temporary name beside the target, then rename over it, so a kill
 * never leaves a half-written file under the final name (`--resume` trusts any file it finds).
 * Temporary names start with `.tmp-` so a resumed job can recognise and delete leftovers.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

export const TMP_PREFIX = '.tmp-';

let counter = 0;

/** The temporary path used for `target` by this process. */
export function tempPathFor(target: string): string {
  counter = (counter + 1) % 1_000_000;
  return join(dirname(target), `${TMP_PREFIX}${process.pid}-${threadId}-${counter}-${basename(target)}`);
}

/** Write `data` to `target` atomically (replacing an existing file; callers check overwrite rules). */
export function writeFileAtomicSync(target: string, data: Uint8Array | readonly Uint8Array[]): void {
  const tmp = tempPathFor(target);
  try {
    if (data instanceof Uint8Array) writeFileSync(tmp, data);
    else writeFileSync(tmp, Buffer.concat(data as Uint8Array[]));
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
