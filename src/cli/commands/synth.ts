/**
 * `ichscan synth`: writes a synthetic head-CT dataset (DICOM, masks, Kaggle labels, studies.json),
 * or with `--insert-into DIR` inserts synthetic hemorrhages into the real CT series of DIR and
 * writes the same layout.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { getBool, getInt, getNumber, getString, requireString } from '../args.js';
import { ichError } from '../../core/errors.js';
import { createProgress } from '../../core/progress.js';
import { generateSynthDataset, type SynthSummary } from '../../synth/index.js';
import { insertLesionsIntoFolder, type InsertSummary } from '../../synth/insert/index.js';
import type { CliIo } from '../command.js';
import type { ParsedArgs } from '../args.js';

/**
 * Runs a job with slice progress on stderr (unless --quiet), then prints its summary on stdout:
 * the summary object as JSON with --json, else the line `describe` writes.
 */
async function runWithProgress<S>(args: ParsedArgs, io: CliIo, label: string, job: (onProgress: (done: number, total: number) => void) => Promise<S>, describe: (s: S) => string): Promise<number> {
  const progress = createProgress({ label, unit: 'slices', stream: io.stderr, silent: getBool(args, 'quiet') });
  const summary = await job((done, total) => {
    progress.setTotal(total);
    progress.tick(done - progress.count);
  });
  progress.finish();
  io.stdout.write(getBool(args, 'json') ? `${JSON.stringify(summary)}\n` : describe(summary));
  return 0;
}

/** Flags that only make sense for whole synthetic studies, refused with --insert-into when given. */
const STUDY_ONLY = ['studies'];

async function runInsert(args: ParsedArgs, io: CliIo): Promise<number> {
  for (const f of STUDY_ONLY) if (args.flags[f] !== undefined) throw ichError('ICH_E_USAGE', `--${f} does not apply to --insert-into (the input's series are used)`);
  const labels = getString(args, 'labels');
  return runWithProgress(
    args,
    io,
    'synth --insert-into',
    (onProgress) =>
      insertLesionsIntoFolder({
        insertInto: resolve(io.cwd, requireString(args, 'insert-into')),
        out: resolve(io.cwd, requireString(args, 'out')),
        ...(labels === undefined ? {} : { labels: resolve(io.cwd, labels) }),
        seed: getInt(args, 'seed', 0, 0xffffffff) ?? 0,
        perSliceProb: getNumber(args, 'per-slice-prob') ?? 0.3,
        minSlices: getInt(args, 'min-slices', 1) ?? 8,
        force: getBool(args, 'force'),
        resume: getBool(args, 'resume'),
        onProgress,
      }),
    (s: InsertSummary) =>
      `inserted ${s.lesions} lesions into ${s.positiveSeries} of ${s.series} series: ${s.slices} slices to ${s.out} (${s.positiveSlices} with blood)` +
      `${s.failures ? `, ${s.failures} files failed (see studies.json)` : ''}${s.skipped ? `, ${s.skipped} left out` : ''}` +
      `${s.resumedSeries ? `, ${s.resumedSeries} series kept from the earlier run` : ''} in ${s.seconds.toFixed(1)} s (${s.slicesPerSecond} slices/s)\n`,
  );
}

function parseRange(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw ichError('ICH_E_USAGE', `--slices-per-study must be N or MIN-MAX, got "${text}"`);
  const lo = Number(m[1]);
  return [lo, m[2] === undefined ? lo : Number(m[2])];
}

export const synthCommand: Command = {
  spec: {
    name: 'synth',
    summary: 'Write a synthetic head-CT dataset with ground-truth hemorrhages (DICOM, masks, labels)',
    usage:
      'ichscan synth --studies N --out DIR [--slices-per-study 24-40] [--size 512] [--seed S] [--prevalence 0.4] [--force | --resume] [--json]\n' +
      '       ichscan synth --insert-into DIR --out DIR [--labels CSV] [--seed S] [--per-slice-prob 0.3] [--min-slices 8] [--force | --resume] [--json]',
    flags: {
      studies: { type: 'number', arg: '<n>', help: 'Number of studies (one patient and one axial series each)' },
      'insert-into': { type: 'string', arg: '<dir>', help: 'Insert synthetic bleeds into the real CT series of this folder (read only) instead of drawing whole studies' },
      labels: { type: 'string', arg: '<csv>', help: 'With --insert-into: Kaggle labels; only slices whose any label is 0 are used' },
      'per-slice-prob': { type: 'number', arg: '<p>', help: 'With --insert-into: share of brain slices that should carry blood, (0, 1] (default 0.3)' },
      'min-slices': { type: 'number', arg: '<n>', help: 'With --insert-into: skip series with fewer slices (default 8)' },
      out: { type: 'string', arg: '<dir>', help: 'Output folder (images/, masks/, labels.csv, studies.json)' },
      'slices-per-study': { type: 'string', arg: '<min-max>', default: '24-40', help: 'Slices per study, a number or an inclusive range' },
      size: { type: 'number', arg: '<px>', default: 512, help: 'Rows and columns of each slice' },
      seed: { type: 'number', arg: '<n>', default: 0, help: 'Random seed: the same seed and options give byte-identical output' },
      prevalence: { type: 'number', arg: '<p>', default: 0.4, help: 'Fraction of studies with hemorrhage, 0–1' },
      force: { type: 'boolean', help: 'Replace the synth outputs of a non-empty output folder' },
      resume: { type: 'boolean', help: 'Complete an interrupted run (same options); finished studies are kept' },
      json: { type: 'boolean', help: 'Print the summary as JSON on stdout' },
      quiet: { type: 'boolean', short: 'q', help: 'No progress on stderr' },
    },
  },
  async run(args, io) {
    if (getString(args, 'insert-into') !== undefined) return runInsert(args, io);
    for (const f of ['labels', 'per-slice-prob', 'min-slices']) if (args.flags[f] !== undefined) throw ichError('ICH_E_USAGE', `--${f} needs --insert-into`);
    const studies = getInt(args, 'studies', 1);
    if (studies === undefined) throw ichError('ICH_E_USAGE', '--studies is required');
    const out = resolve(io.cwd, requireString(args, 'out'));
    return runWithProgress(
      args,
      io,
      'synth',
      (onProgress) =>
        generateSynthDataset({
          studies,
          out,
          slicesPerStudy: parseRange(getString(args, 'slices-per-study') ?? '24-40'),
          size: getInt(args, 'size', 32, 2048) ?? 512,
          seed: getInt(args, 'seed', 0, 0xffffffff) ?? 0,
          prevalence: getNumber(args, 'prevalence') ?? 0.4,
          force: getBool(args, 'force'),
          resume: getBool(args, 'resume'),
          onProgress,
        }),
      (s: SynthSummary) =>
        `wrote ${s.studies} studies, ${s.slices} slices to ${s.out} (${s.positiveStudies} studies / ${s.positiveSlices} slices with hemorrhage` +
        `${s.resumedStudies ? `, ${s.resumedStudies} studies kept from the earlier run` : ''}) in ${s.seconds.toFixed(1)} s\n`,
    );
  },
};
