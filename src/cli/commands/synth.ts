/**
 * `ichscan synth`: writes a synthetic head-CT dataset (DICOM, masks, Kaggle labels, studies.json).
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { getBool, getInt, getNumber, getString, requireString } from '../args.js';
import { ichError } from '../../core/errors.js';
import { createProgress } from '../../core/progress.js';
import { generateSynthDataset } from '../../synth/index.js';

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
    usage: 'ichscan synth --studies N --out DIR [--slices-per-study 24-40] [--size 512] [--seed S] [--prevalence 0.4] [--force | --resume] [--json]',
    flags: {
      studies: { type: 'number', arg: '<n>', help: 'Number of studies (one patient and one axial series each)' },
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
    const studies = getInt(args, 'studies', 1);
    if (studies === undefined) throw ichError('ICH_E_USAGE', '--studies is required');
    const out = resolve(io.cwd, requireString(args, 'out'));
    const progress = createProgress({ label: 'synth', unit: 'slices', stream: io.stderr, silent: getBool(args, 'quiet') });
    const summary = await generateSynthDataset({
      studies,
      out,
      slicesPerStudy: parseRange(getString(args, 'slices-per-study') ?? '24-40'),
      size: getInt(args, 'size', 32, 2048) ?? 512,
      seed: getInt(args, 'seed', 0, 0xffffffff) ?? 0,
      prevalence: getNumber(args, 'prevalence') ?? 0.4,
      force: getBool(args, 'force'),
      resume: getBool(args, 'resume'),
      onProgress: (done, total) => {
        progress.setTotal(total);
        progress.tick(done - progress.count);
      },
    });
    progress.finish();
    if (getBool(args, 'json')) {
      io.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      const s = summary;
      io.stdout.write(
        `wrote ${s.studies} studies, ${s.slices} slices to ${s.out} (${s.positiveStudies} studies / ${s.positiveSlices} slices with hemorrhage` +
          `${s.resumedStudies ? `, ${s.resumedStudies} studies kept from the earlier run` : ''}) in ${s.seconds.toFixed(1)} s\n`,
      );
    }
    return 0;
  },
};
