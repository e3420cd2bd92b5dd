/**
 * `ichscan predict <files|dirs> [--model <dir>] [--tta flip] [--json]`: per-slice probabilities of
 * the six labels and a verdict per study. Logic lives in src/infer; this file parses and prints.
 */
import type { Command } from '../command.js';
import { getBool, getInt, getString } from '../args.js';
import { ichError } from '../../core/errors.js';
import { createProgress } from '../../core/progress.js';
import { SUBTYPES } from '../../core/subtypes.js';
import { resolveModelDir } from '../../infer/model-card.js';
import { openScorer } from '../../infer/scorer.js';
import { planPrediction, predictPlanned, type StudyPrediction } from '../../infer/predict.js';
import { ENGINE_FLAGS, SCORING_FLAGS, parseEngineOptions, parseTta } from './infer-flags.js';

function formatStudy(s: StudyPrediction): string {
  const v = s.verdict;
  const lines = [
    `study ${s.studyInstanceUid}: ${v.positive ? 'HEMORRHAGE LIKELY' : 'no hemorrhage found'} — P(any) ${v.anyProbability.toFixed(3)} (study threshold ${v.studyThreshold})`,
  ];
  if (v.subtypesPresent.length) lines.push(`  subtypes: ${v.subtypesPresent.map((t) => `${t} ${v.probabilities[t].toFixed(3)}`).join(', ')}`);
  if (v.bleedRange) {
    const r = v.bleedRange;
    const z = r.zFrom !== null && r.zTo !== null ? ` (z ${r.zFrom.toFixed(1)} … ${r.zTo.toFixed(1)} mm)` : '';
    lines.push(`  bleed range: slices ${r.firstIndex}–${r.lastIndex}${z}`);
  }
  lines.push(`  key slices: ${v.keySlices.map((k) => `#${k.index} P(any) ${k.any.toFixed(3)}`).join(', ')}`);
  for (const ser of s.series) {
    lines.push(`  series ${ser.seriesInstanceUid} (${ser.slices.length} slices)`);
    lines.push(`    ${'#'.padStart(4)} ${'z mm'.padStart(8)} ${SUBTYPES.map((t) => t.slice(0, 8).padStart(9)).join('')}`);
    for (const sl of ser.slices) {
      lines.push(`    ${String(sl.index).padStart(4)} ${(sl.z === null ? '-' : sl.z.toFixed(1)).padStart(8)} ${SUBTYPES.map((t) => sl.probabilities[t].toFixed(3).padStart(9)).join('')}`);
    }
  }
  return lines.join('\n');
}

export const predictCommand: Command = {
  spec: {
    name: 'predict',
    summary: 'Per-slice hemorrhage probabilities and a verdict per study',
    usage: 'ichscan predict <files|dirs...> [--model <dir>] [--tta flip] [--json]',
    positionals: [{ name: 'files|dirs', help: 'DICOM files or folders (searched recursively)', variadic: true }],
    flags: {
      model: { type: 'string', arg: '<dir|name>', help: 'Model folder (model.json + ONNX) or shipped model name', default: 'default' },
      ...SCORING_FLAGS,
      json: { type: 'boolean', help: 'Print {"studies": [...], "failures": [...]} as JSON (one object per study)' },
      ...ENGINE_FLAGS,
      batch: { type: 'number', arg: '<n>', help: 'Slices per inference call', default: 8 },
    },
  },
  async run(args, io) {
    if (args.positionals.length === 0) throw ichError('ICH_E_USAGE', 'give at least one DICOM file or folder');
    const tta = parseTta(args);
    const dir = resolveModelDir(getString(args, 'model'), io.cwd);
    const quiet = getBool(args, 'quiet');
    const scorer = await openScorer(dir, {
      ...parseEngineOptions(args),
      batch: getInt(args, 'batch', 1, 512) ?? 8,
      onStatus: (line) => io.stderr.write(`${line}\n`),
    });
    try {
      const headers = createProgress({ label: 'headers', unit: 'files', stream: io.stderr, silent: quiet });
      const plan = planPrediction(args.positionals, io.cwd, () => headers.tick());
      headers.finish();
      const total = plan.series.reduce((n, s) => n + s.slices.length, 0);
      const progress = createProgress({ label: 'predict', total, unit: 'slices', stream: io.stderr, silent: quiet });
      const studies = await predictPlanned(scorer, plan.series, plan.failures, { tta, onSlice: () => progress.tick() });
      progress.finish();
      if (getBool(args, 'json')) {
        io.stdout.write(`${JSON.stringify({ model: { dir, architecture: scorer.card.architecture, engine: scorer.engineName }, studies, failures: plan.failures }, null, 2)}\n`);
      } else {
        for (const s of studies) io.stdout.write(`${formatStudy(s)}\n\n`);
        for (const f of plan.failures) io.stdout.write(`skipped ${f.file}: [${f.code}] ${f.message}\n`);
        if (studies.length === 0) io.stdout.write('no readable CT slices found\n');
      }
      return studies.length === 0 ? 1 : 0;
    } finally {
      await scorer.dispose();
    }
  },
};
