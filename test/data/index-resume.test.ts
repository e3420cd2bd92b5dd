import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildIndex, openIndexDb } from '../../src/data/index.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { writeTinyDataset } from './helpers/tiny-ct.js';

function countFiles(db: string): number {
  if (!existsSync(db)) return 0;
  try {
    const conn = openIndexDb(db, { readonly: true });
    try {
      return Number(conn.prepare('SELECT COUNT(*) FROM files').pluck().get());
    } finally {
      conn.close();
    }
  } catch {
    return 0; // schema not created yet
  }
}

test('a run killed with SIGKILL mid-scan resumes: only the missing files are scanned, and the result equals a clean run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-resume-'));
  try {
    const images = join(dir, 'images');
    writeTinyDataset(images, 40, 50); // 2,000 files
    const total = 2000;
    const db = join(dir, 'killed.db');
    const mod = pathToFileURL(join(PROJECT_ROOT, 'dist', 'src', 'data', 'build-index.js')).href;
    const script = `const { buildIndex } = await import(${JSON.stringify(mod)}); await buildIndex({ dir: ${JSON.stringify(images)}, db: ${JSON.stringify(db)}, workers: 0, chunkSize: 4, progress: false });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let committed = 0;
    for (let i = 0; i < 2000 && committed === 0; i++) {
      await sleep(5);
      committed = countFiles(db);
    }
    child.kill('SIGKILL');
    await exited;
    committed = countFiles(db);
    assert.ok(committed > 0 && committed < total, `killed mid-run (${committed} of ${total} committed)`);

    const resumed = await buildIndex({ dir: images, db, workers: 1, progress: false });
    assert.equal(resumed.scanned, total - committed, 'only the files not committed are scanned again');
    const clean = join(dir, 'clean.db');
    await buildIndex({ dir: images, db: clean, workers: 0, progress: false });
    const dump = (f: string): unknown[] => {
      const c = openIndexDb(f, { readonly: true });
      try {
        return c.prepare('SELECT * FROM images ORDER BY image_id').all();
      } finally {
        c.close();
      }
    };
    assert.deepEqual(dump(db), dump(clean));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
