/**
 * `ichscan preprocess` end to end, in-process: tiny CT folders (synth stage's writer), a non-DICOM
 * file among them, the worker pool, refusal of a non-empty output, and --resume after a "kill".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../helpers/cli.js';
import { writeTinyDataset } from '../data/helpers/tiny-ct.js';
import { requireSharedData, rsnaDevImagesDir } from '../helpers/shared-data.js';
import { readTensorCache, preprocessDecoded } from '../../src/preprocess/index.js';
import { decodeDicomSync } from '../../src/dicom/index.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-preprocess-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function listIct(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const d of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...listIct(dir, rel));
    else if (d.name.endsWith('.ict')) out.push(rel);
  }
  return out.sort();
}

test('preprocess a folder: one .ict per slice (relative names), failures recorded, settings stored', async () => {
  await withTmp(async (tmp) => {
    const input = join(tmp, 'in');
    const slices = writeTinyDataset(input, 2, 3); // HU 10k + p: brain window (hu)/80
    writeFileSync(join(input, 'p0', 'README.txt'), 'not DICOM');
    const out = join(tmp, 'out');
    const r = await runCliCaptured(['preprocess', input, '--out', out, '--size', '4', '--windows', 'brain', '--workers', '0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { files: number; written: number; failed: number; skipped: number; failures: { file: string; code: string }[] };
    assert.deepEqual([summary.files, summary.written, summary.failed, summary.skipped], [7, 6, 1, 0]);
    assert.equal(summary.failures[0]?.file, 'p0/README.txt');
    assert.match(summary.failures[0]?.code ?? '', /^ICH_E_/);
    assert.deepEqual(listIct(out), slices.map((s) => `${s.name}.ict`).sort());
    const failuresFile = readFileSync(join(out, 'failures.jsonl'), 'utf8').trim().split('\n');
    assert.equal(failuresFile.length, 1);
    assert.equal((JSON.parse(failuresFile[0] as string) as { file: string }).file, 'p0/README.txt');
    for (const s of slices) {
      const e = readTensorCache(join(out, `${s.name}.ict`));
      assert.deepEqual(e.tensor.shape, [1, 4, 4, 1]);
      assert.equal(e.meta.source, s.name);
      assert.equal(e.meta.sopInstanceUid, s.sopUid);
      const expected = Math.round((255 * Math.min(Math.max(s.hu, 0), 80)) / 80);
      assert.ok(e.tensor.data.every((v) => v === expected), `${s.name}: ${e.tensor.data[0]} vs ${expected}`);
    }
    assert.match(readFileSync(join(out, 'preprocess.json'), 'utf8'), /"windows"/);
    assert.match(r.stderr, /preprocess: 7\/7/);
  });
});

test('a non-empty output folder is refused; --resume redoes only missing files, cleans temporaries, checks settings', async () => {
  await withTmp(async (tmp) => {
    const input = join(tmp, 'in');
    writeTinyDataset(input, 1, 4);
    const out = join(tmp, 'out');
    const args = ['preprocess', input, '--out', out, '--size', '4', '--workers', '0'];
    assert.equal((await runCliCaptured(args)).code, 0);
    const again = await runCliCaptured(args);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /ICH_E_OUTPUT_EXISTS/);
    const foreign = join(tmp, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'keep.txt'), 'mine');
    const intoForeign = await runCliCaptured(['preprocess', input, '--out', foreign, '--resume', '--workers', '0']);
    assert.equal(intoForeign.code, 1);
    assert.match(intoForeign.stderr, /ICH_E_OUTPUT_EXISTS/);

    // Simulate a kill: one output missing, a temporary file left behind.
    const done = listIct(out);
    const victim = done[1] as string;
    rmSync(join(out, victim));
    const stale = join(out, 'p0', `.tmp-999-0-1-${victim.split('/').pop() as string}`);
    writeFileSync(stale, 'half written');
    const mtimes = new Map(done.filter((f) => f !== victim).map((f) => [f, statSync(join(out, f)).mtimeMs]));
    const resumed = await runCliCaptured([...args, '--resume', '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const s = JSON.parse(resumed.stdout) as { written: number; skipped: number; failed: number };
    assert.deepEqual([s.written, s.skipped, s.failed], [1, 3, 0]);
    assert.deepEqual(listIct(out), done);
    assert.ok(!existsSync(stale), 'stale temporary file removed');
    for (const [f, m] of mtimes) assert.equal(statSync(join(out, f)).mtimeMs, m, `${f} was rewritten`);

    const other = await runCliCaptured([...args, '--resume', '--size', '8']);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /other settings/);

    const missingOut = join(tmp, 'never');
    const missing = await runCliCaptured(['preprocess', join(tmp, 'no-such-input'), '--out', missingOut, '--workers', '0']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ICH_E_FILE_NOT_FOUND/);
    assert.ok(!existsSync(missingOut), 'no output folder is created when the input is missing');
  });
});

test('worker threads give the same files as the main thread; --out inside the input is not re-read', async () => {
  await withTmp(async (tmp) => {
    const input = join(tmp, 'in');
    writeTinyDataset(input, 2, 3);
    const a = join(tmp, 'a');
    const b = join(input, 'cache'); // inside the input folder
    assert.equal((await runCliCaptured(['preprocess', input, '--out', a, '--size', '4', '--workers', '0'])).code, 0);
    const r = await runCliCaptured(['preprocess', input, '--out', b, '--size', '4', '--workers', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { files: number }).files, 6);
    const files = listIct(a);
    assert.deepEqual(listIct(b), files);
    for (const f of files) assert.deepEqual(readFileSync(join(b, f)), readFileSync(join(a, f)), f);
  });
});

test('real rsna-dev slices through the CLI equal preprocessDecoded (uint8 and float32)', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const src = join(rsnaDevImagesDir(shared), 'images');
  const names = readdirSync(src).filter((n) => n.endsWith('.dcm')).sort().filter((_, i) => i % 100 === 0);
  await withTmp(async (tmp) => {
    const input = join(tmp, 'in');
    mkdirSync(input);
    for (const n of names) cpSync(join(src, n), join(input, n));
    for (const dtype of ['uint8', 'float32'] as const) {
      const out = join(tmp, dtype);
      const r = await runCliCaptured(['preprocess', input, '--out', out, '--dtype', dtype, '--workers', '2']);
      assert.equal(r.code, 0, r.stderr);
      for (const n of names) {
        const e = readTensorCache(join(out, `${n}.ict`));
        const d = decodeDicomSync(readFileSync(join(input, n)), n);
        const direct = preprocessDecoded(d, { size: 256, windows: WINDOW_STACKS['bss'] ?? [], dtype });
        assert.deepEqual(e.tensor.shape, [1, 256, 256, 3]);
        assert.deepEqual(Buffer.from(e.tensor.data.buffer, e.tensor.data.byteOffset, e.tensor.data.byteLength), Buffer.from(direct.data.buffer));
      }
    }
  });
});
