/**
 * `ichscan demo [--out dir]`: synthetic studies → predict → evaluate → HTML report, in a few
 * minutes on 2 cores, with progress. The README's first command.
 */
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from '../command.js';
import { formatIntervals, formatLocalisation } from './evaluate.js';
import { getBool, getInt, getString } from '../args.js';
import { resolveModelDir } from '../../model/card/model-card.js';
import { runDemo } from '../../infer/demo.js';

export const demoCommand: Command = {
  spec: {
    name: 'demo',
    summary: 'Synthesize a few head-CT studies, predict, evaluate and write an HTML report',
    usage: 'ichscan demo [--out ichscan-demo] [--studies 8] [--model default] [--force]',
    flags: {
      out: { type: 'string', arg: '<dir>', help: 'Output folder (synth/, predictions.csv, report.html)', default: 'ichscan-demo' },
      studies: { type: 'number', arg: '<n>', help: 'Synthetic studies to generate', default: 8 },
      slices: { type: 'number', arg: '<n>', help: 'Slices per study', default: 24 },
      seed: { type: 'number', arg: '<n>', help: 'Seed of the synthetic studies', default: 7 },
      model: { type: 'string', arg: '<dir|name>', help: 'Model folder or shipped model name', default: 'default' },
      force: { type: 'boolean', help: 'Reuse a non-empty output folder' },
      json: { type: 'boolean', help: 'Print the evaluation JSON instead of the text summary' },
    },
  },
  async run(args, io) {
    const out = resolve(io.cwd, getString(args, 'out') ?? 'ichscan-demo');
    const slices = getInt(args, 'slices', 4, 200) ?? 24;
    const r = await runDemo({
      out,
      modelDir: resolveModelDir(getString(args, 'model'), io.cwd),
      studies: getInt(args, 'studies', 1, 200) ?? 8,
      slicesPerStudy: [slices, slices],
      seed: getInt(args, 'seed', 0, 0xffffffff) ?? 7,
      force: getBool(args, 'force'),
      stream: io.stderr,
    });
    if (getBool(args, 'json')) {
      io.stdout.write(`${JSON.stringify({ ...r.report, studiesVerdicts: r.studies, studyThreshold: r.studyThreshold, reportFile: r.reportFile, overlaysDir: r.overlaysDir, localisation: r.localisation ?? null, seconds: r.seconds }, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `ichscan demo — ${r.studies.length} synthetic studies, ${r.report.n} slices, ${r.seconds.toFixed(0)} s`,
      `  study verdict: max over slices of P(any) ≥ ${r.studyThreshold} (the model card's study threshold)`,
    ];
    const ml = (v: number | null): string => (v === null ? '   -  ' : v.toFixed(1).padStart(6));
    for (const s of r.studies) lines.push(`  ${s.study.slice(-12)}  truth: ${s.truth.padEnd(8)} ${ml(s.trueVolumeMl)} mL  model: ${s.verdict.padEnd(20)} P(any) ${s.anyProbability.toFixed(3)} ${ml(s.volumeMl)} mL`);
    lines.push(`weighted log loss ${r.report.weightedLogLoss.toFixed(4)}, AUC(any) ${r.report.auc.any?.toFixed(3) ?? 'n/a'}, study AUC(any) ${r.report.studyAuc.any?.toFixed(3) ?? 'n/a'}`);
    if (r.report.ci95) lines.push(`  ${formatIntervals(r.report.ci95)}`);
    if (r.localisation) lines.push(formatLocalisation(r.localisation));
    lines.push(
      `report: ${r.reportFile}`,
      `key images of flagged studies, bleed outlined: ${r.overlaysDir}`,
      // the same studies in the browser viewer (worklist, CT stack, bleed overlay): docs/viewer.md
      `browse them in the viewer: node dist/src/cli/main.js view ${relative(process.cwd(), join(dirname(r.reportFile), 'synth', 'images')) || '.'}`,
    );
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
