/**
 * The run folder: `config.json` (the resolved TrainConfig), `metrics.jsonl` (one JSON record per
 * epoch, appended), `checkpoint/` (resume), `model/` (the best epoch's model, tfjs layers format),
 * `val-preds/` (per-epoch validation predictions), `summary.json` (written when training ends).
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ichError } from '../core/errors.js';
import type { TrainConfig } from './config.js';
import type { ValidationMetrics } from './validation.js';

export const CONFIG_JSON = 'config.json';
export const METRICS_JSONL = 'metrics.jsonl';
export const SUMMARY_JSON = 'summary.json';
export const BEST_MODEL_DIR = 'model';

/** One line of metrics.jsonl: the end of an epoch. */
export interface EpochRecord {
  epoch: number;
  /** Learning rate used in this epoch. */
  lr: number;
  /** Mean training loss over the epoch's images (the configured loss). */
  trainLoss: number;
  trainImages: number;
  /** Training images per second in this epoch (this session's part). */
  imgPerSec: number;
  /** Cumulative training seconds at the end of this epoch. */
  seconds: number;
  val: ValidationMetrics;
  /** Metrics of the epoch-weighted average of validation predictions so far (when enabled). */
  valAveraged?: ValidationMetrics;
  best: boolean;
}

/** Creates a fresh run folder; ICH_E_OUTPUT_EXISTS when it exists and is not empty (unless force). */
export function createRunDir(dir: string, config: TrainConfig, force: boolean): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !force) {
    throw ichError('ICH_E_OUTPUT_EXISTS', 'run folder is not empty (use --resume to continue it, or --force to start over)', { file: dir });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CONFIG_JSON), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, METRICS_JSONL), '');
}

export function readRunConfig(dir: string): TrainConfig {
  const file = join(dir, CONFIG_JSON);
  if (!existsSync(file)) throw ichError('ICH_E_FILE_NOT_FOUND', 'not a run folder (no config.json)', { file: dir });
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TrainConfig;
  } catch (e) {
    throw ichError('ICH_E_CHECKPOINT', 'config.json is not valid JSON', { file, cause: e });
  }
}

/** JSON with NaN/Infinity written as null (JSON has no NaN). */
function toJsonLine(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));
}

export function appendEpochRecord(dir: string, r: EpochRecord): void {
  appendFileSync(join(dir, METRICS_JSONL), `${toJsonLine(r)}\n`);
}

/**
 * The epoch records of a run, one per epoch (a run killed between writing a record and its
 * checkpoint repeats that epoch after --resume: the last record of an epoch wins).
 */
export function readEpochRecords(dir: string): EpochRecord[] {
  const file = join(dir, METRICS_JSONL);
  if (!existsSync(file)) return [];
  const byEpoch = new Map<number, EpochRecord>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as EpochRecord;
      byEpoch.set(r.epoch, r);
    } catch {
      // a line cut by a kill mid-write: ignored
    }
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

export function writeSummary(dir: string, summary: unknown): void {
  writeFileSync(join(dir, SUMMARY_JSON), `${toJsonLine(summary)}\n`);
}
