/**
 * `ichscan export --run <run dir> --out <model dir>`: a training run's best model → ONNX model
 * folder (model.onnx + model.json card), checked against tfjs before it is written.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { getBool, requireString } from '../args.js';
import { exportRunToModelFolder } from '../../infer/export-run.js';

export const exportCommand: Command = {
  spec: {
    name: 'export',
    summary: "Export a training run's best model to an ONNX model folder for predict/submit/evaluate",
    usage: 'ichscan export --run <run dir> --out <model dir> [--force] [--json]',
    flags: {
      run: { type: 'string', arg: '<dir>', help: 'Run folder written by ichscan train (config.json, model/)' },
      out: { type: 'string', arg: '<dir>', help: 'Model folder to write (model.onnx + model.json)' },
      force: { type: 'boolean', help: 'Replace an existing model folder' },
      json: { type: 'boolean', help: 'Print {"out","architecture","maxAbsDiff","onnxBytes"} as JSON' },
    },
  },
  async run(args, io) {
    const out = resolve(io.cwd, requireString(args, 'out'));
    const r = await exportRunToModelFolder(resolve(io.cwd, requireString(args, 'run')), out, getBool(args, 'force'));
    if (getBool(args, 'json')) io.stdout.write(`${JSON.stringify({ out, architecture: r.card.architecture, maxAbsDiff: r.maxAbsDiff, onnxBytes: r.onnxBytes })}\n`);
    else io.stdout.write(`exported ${r.card.architecture} (${r.card.inputSize} px, context ${r.card.context}) to ${out}: ${(r.onnxBytes / 1e6).toFixed(1)} MB, ONNX vs tfjs max |diff| ${r.maxAbsDiff.toExponential(2)}\n`);
    return 0;
  },
};
