/**
 * Inference benchmarks: engine throughput on random batches (after a warm-up call), and the
 * latency of one whole study from DICOM files to verdict (headers, decode, preprocessing, 2.5D
 * context, model, verdict), the number a user waits for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../core/random.js';
import { SUBTYPES } from '../core/subtypes.js';
import { WINDOW_STACKS } from '../core/windows.js';
import type { Image } from '../core/tensor.js';
import { MODEL_FORMAT, type ModelCard } from '../model/card/model-card.js';
import { writeModelFolder } from '../model/card/model-folder.js';
import { planPrediction, predictPlanned } from './predict.js';
import type { SeriesScorer } from './scorer.js';

/**
 * Images per second through an opened model (2.5D context, network or features, head) on random
 * preprocessed slices, `batch` slices per call, after one warm-up call, over ≥ minSeconds.
 */
export async function measureThroughput(scorer: SeriesScorer, batch: number, minSeconds: number): Promise<{ imgPerSec: number; calls: number; seconds: number }> {
  const rng = createRng(1);
  const { inputSize: size, windows } = scorer.card;
  const images: Image<'uint8'>[] = Array.from({ length: batch }, () => ({
    dtype: 'uint8' as const,
    data: Uint8Array.from({ length: size * size * windows.length }, () => rng.int(0, 255)),
    shape: [size, size, windows.length] as const,
  }));
  await scorer.scoreSeries(images); // warm-up: graph optimisation, allocations
  let calls = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minSeconds * 1000 || calls < 3) {
    await scorer.scoreSeries(images);
    calls++;
    elapsed = performance.now() - t0;
  }
  return { imgPerSec: (calls * batch) / (elapsed / 1000), calls, seconds: elapsed / 1000 };
}

/**
 * Seconds from a folder of DICOM files to the verdicts, with the scorer already open; with
 * `masks`, to the verdicts plus every slice's bleed mask, the volume and the key images
 * (what `predict` computes; writing the PNGs is not timed).
 */
export async function measureStudyLatency(scorer: SeriesScorer, studyDir: string, masks = false): Promise<{ seconds: number; slices: number; anyProbability: number | null }> {
  const t0 = performance.now();
  const plan = planPrediction([studyDir], process.cwd());
  const studies = await predictPlanned(scorer, plan.series, plan.failures, { localise: masks });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, slices: plan.series.reduce((n, s) => n + s.slices.length, 0), anyProbability: studies[0]?.verdict.anyProbability ?? null };
}

/** Writes a one-file `slice` model folder around ONNX bytes (for benchmarking a zoo architecture). */
export function writeBenchModelFolder(onnx: Uint8Array, architecture: string, size: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-bench-model-'));
  const card: ModelCard = {
    format: MODEL_FORMAT,
    kind: 'slice',
    architecture,
    inputSize: size,
    windows: [...(WINDOW_STACKS['bss'] ?? [])],
    context: 0,
    outputs: SUBTYPES,
    trainingData: { summary: 'untrained (benchmark only)' },
    validation: {},
    created: new Date().toISOString().slice(0, 10),
  };
  writeModelFolder(dir, card, { 'model.onnx': onnx }, true);
  return dir;
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
