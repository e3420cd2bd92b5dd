/**
 * `ichscan inspect <files|dirs...> [--json] [--sha256]`: decodes every file given or found under a
 * directory (recursively, any extension) and prints its geometry, rescale and HU statistics over
 * all frames before any correction (pydicom's definition). A file that fails is reported with its
 * error code and the run goes on; the exit status is 0 when every file was handled, 2 for usage
 * errors. See docs/commands/inspect.md.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getBool } from '../args.js';
import type { Command } from '../command.js';
import { ichError } from '../../core/errors.js';
import { createProgress } from '../../core/progress.js';
import { walkFiles } from '../../core/walk-files.js';
import { inspectFile, isInspectFailure, type InspectResult } from '../../dicom/inspect.js';

export const inspectCommand: Command = {
  spec: {
    name: 'inspect',
    summary: 'Show DICOM metadata and HU statistics of files or folders',
    usage: 'ichscan inspect <files|dirs...> [--json] [--sha256]',
    positionals: [{ name: '<files|dirs...>', help: 'Files, or folders walked recursively (every file is tried, extension or not)', variadic: true }],
    flags: {
      json: { type: 'boolean', help: 'One JSON object per file per line: {"file", "sopInstanceUid", …, "hu": {"min","max","mean","std"}} or {"file", "error": {"code","message"}}' },
      sha256: { type: 'boolean', help: 'Add "rawSha256": SHA-256 of the raw stored values as a little-endian numpy array would hash them' },
      progress: { type: 'boolean', help: 'Show count, rate and ETA on stderr (default: on when stderr is a terminal)' },
    },
  },
  async run(args, io) {
    if (args.positionals.length === 0) throw ichError('ICH_E_USAGE', 'give at least one file or folder');
    const json = getBool(args, 'json');
    const files = expandPaths(args.positionals.map((p) => resolveKeepingRelative(io.cwd, p)));
    const showProgress = args.flags['progress'] === undefined ? Boolean(io.stderr.isTTY) : getBool(args, 'progress');
    const progress = createProgress({ label: 'inspect', total: files.length, stream: io.stderr, silent: !showProgress });
    if (!json) io.stdout.write(`${TABLE_HEADER.join('\t')}\n`);
    let failed = 0;
    for (const file of files) {
      const r = await inspectFile(file, { sha256: getBool(args, 'sha256') });
      if (isInspectFailure(r)) failed++;
      io.stdout.write(`${json ? JSON.stringify(r) : formatTableRow(r)}\n`);
      progress.tick();
    }
    progress.finish();
    if (!json) io.stderr.write(`${files.length} files, ${files.length - failed} decoded, ${failed} reported errors\n`);
    return 0;
  },
};

/** The path as typed (so output names match the input) unless the CLI runs for another working directory. */
function resolveKeepingRelative(cwd: string, p: string): string {
  return resolve(cwd) === process.cwd() ? p : resolve(cwd, p);
}

/** Files stay as given (a missing one is reported by inspectFile); folders become their files, sorted. */
function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // not found: inspectFile reports ICH_E_FILE_NOT_FOUND for it
    }
    if (isDir) for (const e of walkFiles(p)) out.push(join(p, e.path));
    else out.push(p);
  }
  return out;
}

const TABLE_HEADER = ['file', 'syntax', 'size', 'bits', 'signed', 'slope', 'intercept', '12bitFix', 'huMin', 'huMax', 'huMean', 'huStd'];

function formatTableRow(r: InspectResult): string {
  if (isInspectFailure(r)) return `${r.file}\t${r.error.code}\t${r.error.message}`;
  return [
    r.file,
    r.transferSyntaxUid,
    `${r.rows}x${r.columns}x${r.frames}`,
    r.bitsStored,
    r.pixelRepresentation === 1 ? 'yes' : 'no',
    r.rescaleSlope,
    r.rescaleIntercept,
    r.rsna12BitFix ? 'yes' : 'no',
    r.hu.min,
    r.hu.max,
    r.hu.mean.toFixed(2),
    r.hu.std.toFixed(2),
  ].join('\t');
}
