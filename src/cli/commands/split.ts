/**
 * `ichscan split --db <file> --folds K [--seed S] [--holdout 0.2] [--json]`: patient-grouped,
 * subtype-stratified folds stored in the index (see docs/commands/split.md).
 */
import { resolve } from 'node:path';
import { getBool, getInt, getNumber, requireString } from '../args.js';
import type { Command } from '../command.js';
import { SUBTYPES } from '../../core/subtypes.js';
import { openIndexDb, splitIndex } from '../../data/index.js';

export const splitCommand: Command = {
  spec: {
    name: 'split',
    summary: 'Assign patient-grouped, subtype-stratified cross-validation folds in an index',
    usage: 'ichscan split --db <file> --folds K [--seed S] [--holdout 0.2] [--json]',
    flags: {
      db: { type: 'string', arg: '<file>', help: 'Index database made by `ichscan index`' },
      folds: { type: 'number', arg: '<k>', default: 5, help: 'Number of folds' },
      seed: { type: 'number', arg: '<s>', default: 0, help: 'Seed of the assignment (same seed, same folds)' },
      holdout: { type: 'number', arg: '<share>', default: 0, help: 'Share of images kept out of all folds as fold -1 (0 = none)' },
      json: { type: 'boolean', help: 'Print {"folds": [{"fold", "patients", "images", "positives"}]} (holdout has fold -1)' },
    },
  },
  async run(args, io) {
    const folds = getInt(args, 'folds', 1, 1000) ?? 5;
    const seed = getInt(args, 'seed', 0, 0xffffffff) ?? 0;
    const holdout = getNumber(args, 'holdout') ?? 0;
    const db = openIndexDb(resolve(io.cwd, requireString(args, 'db')));
    try {
      const report = splitIndex(db, { folds, seed, holdout });
      if (getBool(args, 'json')) {
        io.stdout.write(`${JSON.stringify({ folds: report })}\n`);
        return 0;
      }
      const header = ['fold', 'patients', 'images', ...SUBTYPES];
      io.stdout.write(`${header.join('\t')}\n`);
      for (const f of report) {
        const name = f.fold === -1 ? 'holdout' : String(f.fold);
        io.stdout.write(`${[name, f.patients.length, f.images, ...SUBTYPES.map((s) => f.positives[s])].join('\t')}\n`);
      }
      io.stdout.write('no patient is in two folds (checked)\n');
      return 0;
    } finally {
      db.close();
    }
  },
};
