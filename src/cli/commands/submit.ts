/**
 * `ichscan submit --model <dir> --data <stage_2_test dir> --out submission.csv`: the Kaggle
 * submission file (header ID,Label, six rows per image, every image once, clipped).
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { getBool, getString, requireString } from '../args.js';
import { ichError } from '../../core/errors.js';
import { createProgress } from '../../core/progress.js';
import { resolveModelDir } from '../../model/card/model-card.js';
import { openScorer } from '../../infer/scorer.js';
import { fillFailedImages, predictImages } from '../../infer/predict-images.js';
import { formatSubmission } from '../../data/submission.js';
import { ENGINE_FLAGS, SCORING_FLAGS, parseEngineOptions, parseTta } from './infer-flags.js';

export const submitCommand: Command = {
  spec: {
    name: 'submit',
    summary: 'Write a Kaggle RSNA 2019 submission CSV for a folder of test DICOMs',
    usage: 'ichscan submit --model <dir> --data <dir> --out submission.csv [--tta flip] [--force]',
    flags: {
      model: { type: 'string', arg: '<dir|name>', help: 'Model folder or shipped model name', default: 'default' },
      data: { type: 'string', arg: '<dir>', help: 'Folder of test DICOM files (e.g. stage_2_test)' },
      out: { type: 'string', arg: '<csv>', help: 'Submission file to write (refuses to overwrite without --force)' },
      force: { type: 'boolean', help: 'Overwrite --out' },
      ...SCORING_FLAGS,
      ...ENGINE_FLAGS,
    },
  },
  async run(args, io) {
    const out = resolve(io.cwd, requireString(args, 'out'));
    const data = requireString(args, 'data');
    if (existsSync(out) && !getBool(args, 'force')) throw ichError('ICH_E_OUTPUT_EXISTS', 'use --force to overwrite', { file: out });
    const tta = parseTta(args);
    const dir = resolveModelDir(getString(args, 'model'), io.cwd);
    const scorer = await openScorer(dir, { ...parseEngineOptions(args), onStatus: (l) => io.stderr.write(`${l}\n`) });
    try {
      const progress = createProgress({ label: 'submit', unit: 'slices', stream: io.stderr, silent: getBool(args, 'quiet') });
      const fp = await predictImages(scorer, [data], io.cwd, { tta, onPlanned: (n) => progress.setTotal(n), onSlice: () => progress.tick() });
      progress.finish();
      for (const f of fp.failures) io.stderr.write(`could not score ${f.file}: [${f.code}] ${f.message}\n`);
      if (fp.imageIds.length === 0) throw ichError('ICH_E_EMPTY_DATASET', 'no slice could be scored', { file: resolve(io.cwd, data) });
      if (fp.failedImageIds.length) io.stderr.write(`${fp.failedImageIds.length} unreadable images get the mean prediction so that every image is listed\n`);
      const text = formatSubmission(fillFailedImages(fp));
      const tmp = `${out}.tmp-${process.pid}`;
      writeFileSync(tmp, text);
      renameSync(tmp, out);
      io.stderr.write(`wrote ${out}: ${fp.imageIds.length + fp.failedImageIds.length} images × 6 rows\n`);
      return 0;
    } finally {
      await scorer.dispose();
    }
  },
};
