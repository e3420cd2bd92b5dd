/** `ichscan compare` on run folders written here by hand (config.json + metrics.jsonl). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../helpers/cli.js';

function writeRun(dir: string, model: string, valLosses: number[], aucs: number[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model, augment: 'capstone', windows: 'bss', context: 1, size: 256, sampling: 'capstone', loss: 'kaggle' }));
  valLosses.forEach((v, e) => {
    const rec = { epoch: e, lr: 5e-4, trainLoss: v + 0.05, trainImages: 100, imgPerSec: 5, seconds: 1800 * (e + 1), val: { n: 10, weightedLogLoss: v, logLoss: {}, auc: { any: aucs[e] } }, best: false };
    appendFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify(rec)}\n`);
  });
  appendFileSync(join(dir, 'metrics.jsonl'), '{"epoch": 9, "cut by a ki'); // a torn last line is ignored
}

test('compare: best run first, best epoch picked, Markdown + HTML with loss curves, no silent overwrite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-compare-'));
  try {
    writeRun(join(dir, 'a'), 'simple-cnn', [0.3, 0.25, 0.27], [0.6, 0.7, 0.72]);
    writeRun(join(dir, 'b'), 'inceptionv3-frozen', [0.2, 0.15], [0.8, 0.88]);
    const r = await runCliCaptured(['compare', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'report')]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[2] as string, /^\| b \| inceptionv3-frozen \| capstone \| bss \+2\.5D @256 \| capstone \| kaggle \| 2 \| 1\.00 \| 2 \| 0\.1500 \| 0\.880 \|/);
    assert.match(lines[3] as string, /^\| a \| simple-cnn .*\| 3 \| 1\.50 \| 2 \| 0\.2500 \| 0\.700 \|/);
    assert.equal(readFileSync(join(dir, 'report.md'), 'utf8'), r.stdout);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(html, /<svg[^>]*aria-label="loss curves"/);
    assert.equal((html.match(/<polyline/g) ?? []).length, 4, 'train + val curve per run');
    const again = await runCliCaptured(['compare', join(dir, 'a'), '--out', join(dir, 'report')]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /ICH_E_OUTPUT_EXISTS/);
    const json = await runCliCaptured(['compare', join(dir, 'a'), '--json']);
    assert.equal((JSON.parse(json.stdout) as { valWeightedLogLoss: number }[])[0]?.valWeightedLogLoss, 0.25);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
