/**
 * `ichscan compare <run...> [--out <report>] [--json] [--force]`: the capstone's model-overview
 * table for training runs (see docs/commands/compare.md).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getBool, getString } from '../args.js';
import type { Command } from '../command.js';
import { ichError } from '../../core/errors.js';
import { readCompareRow, renderCompareHtml, renderCompareMarkdown, sortRows } from '../../train/compare.js';

export const compareCommand: Command = {
  spec: {
    name: 'compare',
    summary: 'Compare training runs: overview table (Markdown/HTML) with loss curves',
    usage: 'ichscan compare <run> [<run> ...] [--out report] [--json] [--force]',
    positionals: [{ name: '<run>', help: 'Run folders made by `ichscan train`', variadic: true }],
    flags: {
      out: { type: 'string', arg: '<path>', help: 'Write <path>.md and <path>.html (the HTML has loss curves)' },
      json: { type: 'boolean', help: 'Print the rows as JSON (without per-epoch records)' },
      force: { type: 'boolean', help: 'Overwrite existing report files' },
    },
  },
  async run(args, io) {
    if (args.positionals.length === 0) throw ichError('ICH_E_USAGE', 'give at least one run folder');
    const rows = sortRows(args.positionals.map((p) => readCompareRow(resolve(io.cwd, p))));
    const out = getString(args, 'out');
    if (out !== undefined) {
      const base = resolve(io.cwd, out.replace(/\.(md|html)$/, ''));
      const files = [`${base}.md`, `${base}.html`];
      for (const f of files) if (existsSync(f) && !getBool(args, 'force')) throw ichError('ICH_E_OUTPUT_EXISTS', 'use --force to overwrite', { file: f });
      writeFileSync(files[0] as string, renderCompareMarkdown(rows));
      writeFileSync(files[1] as string, renderCompareHtml(rows));
      io.stderr.write(`wrote ${files.join(' and ')}\n`);
    }
    if (getBool(args, 'json')) io.stdout.write(`${JSON.stringify(rows.map(({ records: _records, ...r }) => r))}\n`);
    else io.stdout.write(renderCompareMarkdown(rows));
    return 0;
  },
};
