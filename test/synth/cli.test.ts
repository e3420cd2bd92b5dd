import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCliCaptured } from '../helpers/cli.js';
import { makeTempDir } from './helpers.js';

test('ichscan synth writes a dataset, prints a JSON summary, and refuses to overwrite', async () => {
  const dir = makeTempDir('cli');
  try {
    const out = join(dir, 'ds');
    const args = ['synth', '--studies', '2', '--slices-per-study', '3-4', '--size', '64', '--seed', '1', '--out', out, '--json', '-q'];
    const r = await runCliCaptured(args);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { studies: number; slices: number };
    assert.equal(summary.studies, 2);
    assert.ok(summary.slices >= 6 && summary.slices <= 8);
    assert.equal(readdirSync(join(out, 'images')).length, summary.slices);
    const again = await runCliCaptured(args);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /ICH_E_OUTPUT_EXISTS|already exists/);
    const bad = await runCliCaptured(['synth', '--studies', '1', '--slices-per-study', 'many', '--out', join(dir, 'x')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /slices-per-study/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
