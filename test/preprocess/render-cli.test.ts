/** `ichscan render` end to end, in-process, on tiny CT files written by the synth stage's writer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../helpers/cli.js';
import { writeTinyCt } from '../data/helpers/tiny-ct.js';
import { decodePng } from './png-decode.js';

function withTinyCt(hu: number, fn: (dir: string, file: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ichscan-render-'));
    try {
      const file = writeTinyCt(dir, { name: 'slice.dcm', patientId: 'P', studyUid: '1.2', seriesUid: '1.2.1', sopUid: '1.2.1.1', z: 0, hu, size: 16 });
      await fn(dir, file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

// HU 50 everywhere: brain (50 − 0)/80 = 0.625 → 159; subdural (50 + 20)/200 = 0.35 → 89;
// soft (50 + 150)/380 = 0.5263 → 134 (round(255·v), no ties).
test(
  'one window → greyscale PNG at native size; bss → RGB; --size resizes',
  withTinyCt(50, async (dir, file) => {
    const grey = join(dir, 'grey.png');
    const r1 = await runCliCaptured(['render', file, '--window', 'brain', '-o', grey]);
    assert.equal(r1.code, 0, r1.stderr);
    const g = decodePng(readFileSync(grey));
    assert.deepEqual([g.width, g.height, g.colorType], [16, 16, 0]);
    assert.ok(g.pixels.every((v) => v === 159));

    const rgb = join(dir, 'rgb.png');
    const r2 = await runCliCaptured(['render', file, '--window', 'bss', '--size', '8', '-o', rgb, '--json']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(JSON.parse(r2.stdout), { file, output: rgb, width: 8, height: 8, channels: 3, windows: ['brain', 'subdural', 'soft'] });
    const c = decodePng(readFileSync(rgb));
    assert.deepEqual([c.width, c.height, c.colorType], [8, 8, 2]);
    for (let i = 0; i < c.pixels.length; i += 3) assert.deepEqual([c.pixels[i], c.pixels[i + 1], c.pixels[i + 2]], [159, 89, 134]);

    const custom = join(dir, 'custom.png');
    assert.equal((await runCliCaptured(['render', file, '--window', '50,100', '-o', custom])).code, 0);
    assert.ok(decodePng(readFileSync(custom)).pixels.every((v) => v === 128)); // level 50 → 0.5 → 127.5 → 128
  }),
);

test(
  'never overwrites without --force; wrong window counts and bad input are coded errors',
  withTinyCt(0, async (dir, file) => {
    const out = join(dir, 'mine.png');
    writeFileSync(out, 'user data');
    const refused = await runCliCaptured(['render', file, '--window', 'brain', '-o', out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /ICH_E_OUTPUT_EXISTS/);
    assert.equal(readFileSync(out, 'utf8'), 'user data');
    const forced = await runCliCaptured(['render', file, '--window', 'brain', '-o', out, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(decodePng(readFileSync(out)).width, 16);

    const two = await runCliCaptured(['render', file, '--window', 'brain,bone', '-o', join(dir, 'two.png')]);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /ICH_E_USAGE.*1 window.*3/);
    const noOut = await runCliCaptured(['render', file, '--window', 'brain']);
    assert.equal(noOut.code, 2);

    const junk = join(dir, 'junk.dcm');
    writeFileSync(junk, 'not a dicom file at all');
    const bad = await runCliCaptured(['render', junk, '--window', 'brain', '-o', join(dir, 'junk.png')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /\[ICH_E_[A-Z_]+\].*junk\.dcm/);
    const missing = await runCliCaptured(['render', join(dir, 'none.dcm'), '-o', join(dir, 'none.png')]);
    assert.match(missing.stderr, /ICH_E_FILE_NOT_FOUND/);
  }),
);
