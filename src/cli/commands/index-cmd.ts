/**
 * `ichscan index <dir> --db <file> [--labels csv] [--workers N] [--json]`: header-only scan of a
 * folder of DICOM files into the SQLite dataset index (see docs/commands/index.md).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { getBool, getInt, getString, requireString } from '../args.js';
import type { Command } from '../command.js';
import { ichError } from '../../core/errors.js';
import { SUBTYPES } from '../../core/subtypes.js';
import { buildIndex } from '../../data/index.js';

export const indexCommand: Command = {
  spec: {
    name: 'index',
    summary: 'Index a folder of DICOM files (headers only) into a SQLite database, with labels',
    usage: 'ichscan index <dir> --db <file> [--labels stage_2_train.csv] [--workers N] [--retry-errors] [--json]',
    positionals: [{ name: '<dir>', help: 'Folder of DICOM files, walked recursively (names starting with "." are skipped)' }],
    flags: {
      db: { type: 'string', arg: '<file>', help: 'Index database to create or update (re-runs skip unchanged files)' },
      labels: { type: 'string', arg: '<csv>', help: 'Kaggle label CSV (ID,Label with ID_<img>_<subtype>) to join' },
      workers: { type: 'number', arg: '<n>', help: `Header-scan threads, 0 = main thread (default: cores, here ${availableParallelism()})` },
      'retry-errors': { type: 'boolean', help: 'Scan files that failed before again even if unchanged (e.g. after an upgrade)' },
      json: { type: 'boolean', help: 'Print the summary as one JSON object' },
    },
  },
  async run(args, io) {
    const dir = args.positionals[0];
    if (dir === undefined || args.positionals.length > 1) throw ichError('ICH_E_USAGE', 'give exactly one folder to index');
    const db = requireString(args, 'db');
    const labels = getString(args, 'labels');
    const workers = getInt(args, 'workers', 0, 256);
    const report = await buildIndex({
      dir: resolve(io.cwd, dir),
      db: resolve(io.cwd, db),
      ...(labels !== undefined ? { labels: resolve(io.cwd, labels) } : {}),
      ...(workers !== undefined ? { workers } : {}),
      retryErrors: getBool(args, 'retry-errors'),
      progress: io.stderr,
    });
    const s = report.summary;
    if (getBool(args, 'json')) {
      io.stdout.write(`${JSON.stringify({ ...s, scanned: report.scanned, skipped: report.skipped, removed: report.removed, seconds: report.seconds })}\n`);
    } else {
      const lines = [
        `scanned ${report.scanned} files, skipped ${report.skipped} unchanged, removed ${report.removed} (${report.seconds.toFixed(1)} s)`,
        `files ${s.files}, images ${s.images}, series ${s.series}, studies ${s.studies}, patients ${s.patients}, errors ${s.errors}` +
          (s.errors > 0 ? ` (${Object.entries(s.errorsByCode).map(([c, n]) => `${c} ${n}`).join(', ')})` : ''),
        `labelled ${s.labelled}: ${SUBTYPES.map((t) => `${t} ${s.positives[t]}`).join(', ')}`,
        `labels without file ${s.labelsWithoutFile}, files without labels ${s.filesWithoutLabels}, excluded ${s.excludedImages}, 12-bit fix ${s.rsna12BitFix}`,
        ...s.firstErrors.map((e) => `  [${e.code}] ${e.message}`),
      ];
      if (s.errors > s.firstErrors.length) lines.push(`  … (${s.errors - s.firstErrors.length} more: SELECT * FROM files WHERE error_code IS NOT NULL)`);
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  },
};
