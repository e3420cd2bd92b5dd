/**
 * predict / submit / evaluate end to end on real RSNA slices (../shared/data, symlinked into a
 * temp folder with a junk file) with a tiny random model: grouping into series, z order, verdict
 * and JSON shape, bad files reported and skipped, submission format and completeness, evaluate's
 * JSON keys (equal to the metric functions) and the HTML report, refusal to overwrite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireSharedData, rsnaDevImagesDir } from '../helpers/shared-data.js';
import { runCliCaptured } from '../helpers/cli.js';
import { readDicomHeader } from '../../src/dicom/index.js';
import { SUBTYPES } from '../../src/core/subtypes.js';
import { weightedLogLoss } from '../../src/model/metrics.js';
import { readPredictionsCsv } from '../../src/data/submission.js';
import { readLabelsCsv, labelBitsToVector } from '../../src/data/labels.js';
import type { ImageId } from '../../src/core/ids.js';
import { writeTinyModel } from './tiny-model.js';

interface Fixture {
  root: string;
  data: string;
  model: string;
  labels: string;
  files: string[];
}

let fixture: Fixture | undefined;

/** Two patients' series (first 6 files of each, by name), plus a junk file named like an image. */
async function setUp(shared: string): Promise<Fixture> {
  if (fixture) return fixture;
  const src = rsnaDevImagesDir(shared);
  const all: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.dcm')) all.push(join(d, e.name));
    }
  };
  walk(src);
  all.sort();
  const byPatient = new Map<string, string[]>();
  for (const f of all) {
    const meta = readDicomHeader(readFileSync(f), f);
    const p = String(meta.patientId);
    const list = byPatient.get(p) ?? [];
    list.push(f);
    byPatient.set(p, list);
  }
  const chosen = [...byPatient.keys()].sort().slice(0, 2).flatMap((p) => (byPatient.get(p) ?? []).slice(0, 6));
  const root = mkdtempSync(join(tmpdir(), 'ichscan-infer-'));
  const data = join(root, 'data');
  mkdirSync(data);
  for (const f of chosen) symlinkSync(f, join(data, f.split('/').pop() as string));
  writeFileSync(join(data, 'ID_deadbeef00.dcm'), 'not a dicom file at all');
  const model = join(root, 'model');
  await writeTinyModel(model);
  fixture = { root, data, model, labels: join(shared, 'rsna-dev', 'labels.csv'), files: chosen };
  return fixture;
}

test('predict --json: one object per study, slices ordered by z, junk reported and skipped', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const fx = await setUp(shared);
  const r = await runCliCaptured(['predict', fx.data, '--model', fx.model, '--json', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    studies: { studyInstanceUid: string; verdict: { anyProbability: number; keySlices: unknown[]; subtypesPresent: string[] }; series: { slices: { z: number; probabilities: Record<string, number> }[] }[] }[];
    failures: { file: string; code: string }[];
  };
  assert.equal(out.studies.length, 2);
  let slices = 0;
  for (const s of out.studies) {
    const sl = s.series.flatMap((x) => x.slices);
    slices += sl.length;
    for (let i = 1; i < sl.length; i++) assert.ok((sl[i]?.z as number) > (sl[i - 1]?.z as number), 'z ascending');
    const maxAny = Math.max(...sl.map((x) => x.probabilities['any'] as number));
    assert.equal(s.verdict.anyProbability, maxAny);
    assert.equal(s.verdict.keySlices.length, 3);
    for (const x of sl) for (const k of SUBTYPES) assert.ok((x.probabilities[k] as number) >= 0 && (x.probabilities[k] as number) <= 1);
  }
  assert.equal(slices, fx.files.length);
  assert.equal(out.failures.length, 1);
  assert.match(out.failures[0]?.file ?? '', /ID_deadbeef00\.dcm$/);
  assert.match(out.failures[0]?.code ?? '', /^ICH_E_/);
  const tta = await runCliCaptured(['predict', fx.data, '--model', fx.model, '--tta', 'flip', '--quiet']);
  assert.equal(tta.code, 0, tta.stderr);
  assert.match(tta.stdout, /P\(any\)/);
  assert.match(tta.stdout, /skipped .*ID_deadbeef00\.dcm/);
});

test('submit writes every image exactly once (junk gets the mean row) and refuses to overwrite', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const fx = await setUp(shared);
  const out = join(fx.root, 'submission.csv');
  const r = await runCliCaptured(['submit', '--model', fx.model, '--data', fx.data, '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], 'ID,Label');
  assert.equal(lines.length - 1, (fx.files.length + 1) * 6);
  const parsed = readPredictionsCsv(out);
  const expectedIds = [...fx.files.map((f) => (f.split('/').pop() as string).replace('.dcm', '')), 'ID_deadbeef00'].sort();
  assert.deepEqual([...parsed.imageIds].sort(), expectedIds);
  const again = await runCliCaptured(['submit', '--model', fx.model, '--data', fx.data, '--out', out, '--quiet']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /ICH_E_OUTPUT_EXISTS/);
});

test('evaluate --json has the documented keys and equals the metric on the same rows; --report writes HTML', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const fx = await setUp(shared);
  const report = join(fx.root, 'report.html');
  const r = await runCliCaptured(['evaluate', '--model', fx.model, '--data', fx.data, '--labels', fx.labels, '--json', '--report', report, '--save-predictions', join(fx.root, 'p.csv'), '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const k of ['weightedLogLoss', 'logLoss', 'auc', 'studyAuc', 'n', 'positives']) assert.ok(k in e, `key ${k}`);
  assert.equal(e['n'], fx.files.length);
  assert.deepEqual(Object.keys(e['logLoss'] as object), [...SUBTYPES]);
  // recompute from the saved predictions and the labels
  const preds = readPredictionsCsv(join(fx.root, 'p.csv'));
  const labels = await readLabelsCsv(fx.labels);
  const target = new Float32Array(preds.imageIds.length * 6);
  preds.imageIds.forEach((id, i) => target.set(labelBitsToVector(labels.labels.get(id as ImageId) ?? 0), i * 6));
  assert.ok(Math.abs(weightedLogLoss(preds.probabilities, target) - (e['weightedLogLoss'] as number)) < 1e-6);
  const html = readFileSync(report, 'utf8');
  assert.match(html, /<svg[^>]*ROC curves/);
  assert.match(html, /calibration/);
  assert.match(html, /data:image\/png;base64,/);
  // the same numbers from the CSV path
  const r2 = await runCliCaptured(['evaluate', '--predictions', join(fx.root, 'p.csv'), '--data', fx.data, '--labels', fx.labels, '--json']);
  assert.equal(r2.code, 0, r2.stderr);
  const e2 = JSON.parse(r2.stdout) as Record<string, unknown>;
  assert.ok(Math.abs((e2['weightedLogLoss'] as number) - (e['weightedLogLoss'] as number)) < 1e-6);
  assert.deepEqual(e2['studyAuc'], e['studyAuc']);
  // the bootstrap's intervals: studies resampled, around the point, the same from the same seed
  const ci = e['ci95'] as { unit: string; units: number; resamples: number; aucAny: { low: number; high: number }; weightedLogLoss: { low: number; high: number } };
  assert.equal(ci.unit, 'study');
  assert.equal(ci.units, e['studies']);
  assert.equal(ci.resamples, 1000);
  const aucAny = (e['auc'] as Record<string, number>)['any'] as number;
  assert.ok(ci.aucAny.low <= aucAny && aucAny <= ci.aucAny.high, `AUC(any) ${aucAny} in ${JSON.stringify(ci.aucAny)}`);
  assert.ok(ci.weightedLogLoss.low < (e['weightedLogLoss'] as number) && (e['weightedLogLoss'] as number) < ci.weightedLogLoss.high);
  assert.deepEqual(e2['ci95'], e['ci95']);
  assert.match(html, /95 % intervals \(1000 bootstrap resamples of the \d+ studies\)/);
  const none = await runCliCaptured(['evaluate', '--predictions', join(fx.root, 'p.csv'), '--labels', fx.labels, '--json', '--bootstrap', '0']);
  assert.equal(none.code, 0, none.stderr);
  assert.ok(!('ci95' in (JSON.parse(none.stdout) as object)));
  const text = await runCliCaptured(['evaluate', '--predictions', join(fx.root, 'p.csv'), '--labels', fx.labels, '--bootstrap', '200', '--seed', '3']);
  assert.match(text.stdout, /95 % CI \(200 resamples of the \d+ slices \(no studies known: pass --data\), seed 3\)/);
  // --compare-to: against itself every difference is 0; a file lacking an image is refused, naming it
  const cmp = await runCliCaptured(['evaluate', '--predictions', join(fx.root, 'p.csv'), '--data', fx.data, '--labels', fx.labels, '--json', '--compare-to', join(fx.root, 'p.csv')]);
  assert.equal(cmp.code, 0, cmp.stderr);
  const c = (JSON.parse(cmp.stdout) as { comparison: { unit: string; weightedLogLoss: { observed: number; interval: { low: number; high: number } } } }).comparison;
  assert.equal(c.unit, 'study');
  assert.deepEqual(c.weightedLogLoss, { observed: 0, interval: { low: 0, high: 0 }, shareABetter: 0 });
  const short = join(fx.root, 'short.csv');
  writeFileSync(short, readFileSync(join(fx.root, 'p.csv'), 'utf8').split('\n').filter((l, i) => i === 0 || !l.startsWith(preds.imageIds[0] as string)).join('\n'));
  const cmpText = await runCliCaptured(['evaluate', '--predictions', join(fx.root, 'p.csv'), '--labels', fx.labels, '--compare-to', join(fx.root, 'p.csv')]);
  assert.match(cmpText.stdout, /this − .*p\.csv, paired over 1000 resamples/);
  const missing = await runCliCaptured(['evaluate', '--predictions', join(fx.root, 'p.csv'), '--labels', fx.labels, '--compare-to', short]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`ICH_E_BAD_LABELS.*${preds.imageIds[0] as string}`));
  assert.match(missing.stderr, /short\.csv/);
  const bad = await runCliCaptured(['evaluate', '--predictions', join(fx.root, 'p.csv'), '--labels', fx.labels, '--bootstrap', '-1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ICH_E_USAGE/);
  const again = await runCliCaptured(['evaluate', '--predictions', join(fx.root, 'p.csv'), '--labels', fx.labels, '--report', report]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /ICH_E_OUTPUT_EXISTS/);
  assert.ok(existsSync(report));
});
