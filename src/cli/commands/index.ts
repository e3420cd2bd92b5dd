/**
 * The command registry: one module per command under src/cli/commands. Add a command by
 * importing it here; main.ts builds help and dispatch from this list.
 */
import type { Command } from '../command.js';
import { indexCommand } from './index-cmd.js';
import { splitCommand } from './split.js';
import { inspectCommand } from './inspect.js';
import { renderCommand } from './render.js';
import { preprocessCommand } from './preprocess.js';
import { synthCommand } from './synth.js';
import { predictCommand } from './predict.js';
import { evaluateCommand } from './evaluate.js';
import { submitCommand } from './submit.js';
import { benchInferCommand } from './bench-infer.js';
import { demoCommand } from './demo.js';
import { exportCommand } from './export.js';
import { trainCommand } from './train.js';
import { benchTrainCommand } from './bench-train.js';
import { compareCommand } from './compare.js';
import { serveCommand } from './serve.js';
import { workerCommand } from './worker.js';
import { viewCommand } from './view.js';

export const COMMANDS: readonly Command[] = [inspectCommand, renderCommand, preprocessCommand, indexCommand, splitCommand, synthCommand, predictCommand, evaluateCommand, submitCommand, benchInferCommand, demoCommand, exportCommand, trainCommand, benchTrainCommand, compareCommand, serveCommand, workerCommand, viewCommand];
