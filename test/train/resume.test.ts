/**
 * `ichscan train` end to end on synthetic DICOM (H-synth → H-data index/split → loader → trainer),
 * killed with SIGKILL in the middle of an epoch and finished with `--resume`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthDataset } from '../../src/synth/index.js';
import { buildIndex, openIndexDb, splitIndex } from '../../src/data/index.js';
import { readEpochRecords } from '../../src/train/run-dir.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { runCliCaptured } from '../helpers/cli.js';

const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');

function readState(run: string): { epoch: number; stepsDone: number; finished: boolean } | undefined {
  const f = join(run, 'checkpoint', 'state.json');
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as { epoch: number; stepsDone: number; finished: boolean };
  } catch {
    return undefined;
  }
}

test('train on synthetic DICOM, SIGKILL mid-epoch, --resume finishes every epoch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-resume-'));
  try {
    await generateSynthDataset({ studies: 6, slicesPerStudy: [6, 8], size: 96, seed: 4, prevalence: 0.5, out: join(dir, 'synth') });
    const dbFile = join(dir, 'index.db');
    await buildIndex({ dir: join(dir, 'synth'), db: dbFile, labels: join(dir, 'synth', 'labels.csv'), workers: 0, progress: false });
    const db = openIndexDb(dbFile);
    splitIndex(db, { folds: 3, seed: 1 });
    db.close();
    const run = join(dir, 'run');
    const args = ['train', '--db', dbFile, '--model', 'ichnet', '--size', '48', '--epochs', '3', '--batch', '2', '--workers', '1',
      '--augment', 'light', '--checkpoint-minutes', '0.0001', '--out', run, '--quiet'];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // Kill as soon as a mid-epoch checkpoint exists (steps done > 0, epoch not finished).
    let killedAt: { epoch: number; stepsDone: number } | undefined;
    for (let i = 0; i < 6000 && !killedAt; i++) {
      const s = readState(run);
      if (s && s.stepsDone > 0 && !s.finished) {
        child.kill('SIGKILL');
        killedAt = s;
      } else {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    await exited;
    assert.ok(killedAt, `no mid-epoch checkpoint seen; stderr: ${stderr}`);
    assert.equal(existsSync(join(run, 'summary.json')), false, 'the killed run had not finished');

    const resumed = await runCliCaptured(['train', '--resume', run, '--json', '--quiet']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout) as { epochs: number };
    assert.equal(summary.epochs, 3);
    assert.deepEqual(readEpochRecords(run).map((r) => r.epoch), [0, 1, 2]);
    assert.equal(readState(run)?.finished, true);
    assert.ok(existsSync(join(run, 'model', 'model.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train refuses to overwrite a non-empty run folder and rejects bad flags', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-train-cli-'));
  try {
    const r1 = await runCliCaptured(['train', '--db', join(dir, 'none.db'), '--model', 'no-such-model', '--out', join(dir, 'r')]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /ICH_E_USAGE/);
    const r2 = await runCliCaptured(['train', '--db', join(dir, 'none.db'), '--out', join(dir, 'r')]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /ICH_E_FILE_NOT_FOUND/);
    assert.equal(existsSync(join(dir, 'r')), false, 'no run folder left behind');
    mkdirSync(join(dir, 'r'));
    writeFileSync(join(dir, 'r', 'keep.txt'), 'user file');
    const again = await runCliCaptured(['train', '--resume', join(dir, 'r')]);
    assert.match(again.stderr, /ICH_E_FILE_NOT_FOUND/);
    assert.equal(readFileSync(join(dir, 'r', 'keep.txt'), 'utf8'), 'user file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
