/**
 * `ichscan preprocess <dir> --out <dir> [--size 256] [--windows brain,subdural,soft] [--workers N]
 * [--resume]`: every file under <dir> through THE pipeline into tensor cache files
 * `<out>/<relative path>.ict` on worker threads, with progress, a failures summary and file, and
 * resume. See docs/commands/preprocess.md.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { getBool, getInt, getString, requireString } from '../args.js';
import type { Command } from '../command.js';
import { ichError } from '../../core/errors.js';
import { createProgress } from '../../core/progress.js';
import { parseWindowList } from '../../core/windows.js';
import { runPreprocessJob } from '../../preprocess/preprocess-job.js';

export const preprocessCommand: Command = {
  spec: {
    name: 'preprocess',
    summary: 'Preprocess every slice of a folder into windowed tensor cache files (.ict)',
    usage: 'ichscan preprocess <dir> --out <dir> [--size 256] [--windows brain,subdural,soft] [--workers N] [--resume]',
    positionals: [{ name: '<dir>', help: 'Folder walked recursively; every file is tried (extension or not)' }],
    flags: {
      out: { type: 'string', arg: '<dir>', help: 'Output folder: <out>/<relative input path>.ict, plus preprocess.json and failures.jsonl' },
      size: { type: 'number', arg: '<n>', default: 256, help: 'Output n×n pixels (512 → 256 is an exact 2×2 area mean)' },
      windows: { type: 'string', arg: '<list>', default: 'brain,subdural,soft', help: 'One channel per window: presets, a stack (bss), L,W, or L,W+L,W' },
      dtype: { type: 'string', arg: '<uint8|float32>', default: 'uint8', help: 'Stored values: uint8 = round(255·v) (4× smaller) or float32 v in [0, 1]' },
      sigmoid: { type: 'boolean', help: 'Sigmoid instead of linear windows' },
      'rsna-fix': { type: 'boolean', default: true, help: 'Apply the RSNA 12-bit fix where the header needs it (--no-rsna-fix: off)' },
      'pad-to-air': { type: 'boolean', default: true, help: 'Replace HU below −1024 (padding) with air (--no-pad-to-air: off)' },
      workers: { type: 'number', arg: '<n>', help: 'Worker threads (default: the number of cores; 0 = on the main thread)' },
      resume: { type: 'boolean', help: 'Continue a run in the same --out folder: skip files already done (settings must match)' },
      json: { type: 'boolean', help: 'Print the summary as JSON: {"files", "written", "skipped", "failed", "frames", "seconds", "failuresFile", "failures"}' },
    },
  },
  async run(args, io) {
    const [input, extra] = args.positionals;
    if (input === undefined || extra !== undefined) throw ichError('ICH_E_USAGE', 'give exactly one input folder');
    const dtype = getString(args, 'dtype') ?? 'uint8';
    if (dtype !== 'uint8' && dtype !== 'float32') throw ichError('ICH_E_USAGE', `--dtype must be uint8 or float32, got "${dtype}"`);
    const size = getInt(args, 'size', 1, 4096) ?? 256;
    const workers = getInt(args, 'workers', 0, 256) ?? availableParallelism();
    const progress = createProgress({ label: 'preprocess', unit: 'files', stream: io.stderr });
    const summary = await runPreprocessJob({
      inputDir: resolve(io.cwd, input),
      outDir: resolve(io.cwd, requireString(args, 'out')),
      settings: {
        size,
        windows: parseWindowList(requireString(args, 'windows')),
        dtype,
        sigmoid: getBool(args, 'sigmoid'),
        rsna12BitFix: args.flags['rsna-fix'] !== false,
        padToAir: args.flags['pad-to-air'] !== false,
      },
      workers,
      resume: getBool(args, 'resume'),
      onStart(todo, skipped) {
        progress.setTotal(todo + skipped);
        progress.setDone(skipped);
      },
      onProgress(n) {
        progress.tick(n);
      },
    });
    progress.finish();
    if (getBool(args, 'json')) {
      io.stdout.write(`${JSON.stringify(summary)}\n`);
      return 0;
    }
    io.stdout.write(
      `${summary.files} files: ${summary.written} written (${summary.frames} frames), ${summary.skipped} skipped (already done), ${summary.failed} failed, in ${summary.seconds.toFixed(1)} s\n`,
    );
    if (summary.failed > 0) {
      const byCode = new Map<string, number>();
      for (const f of summary.failures) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
      io.stdout.write(`failures by code: ${[...byCode].map(([c, n]) => `${c} ${n}`).join(', ')} (list: ${summary.failuresFile})\n`);
      for (const f of summary.failures.slice(0, 10)) io.stdout.write(`  ${f.message}\n`);
      if (summary.failed > 10) io.stdout.write(`  … ${summary.failed - 10} more in ${summary.failuresFile}\n`);
    }
    return 0;
  },
};
