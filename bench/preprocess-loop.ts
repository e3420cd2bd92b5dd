/** The loop every preprocess benchmark times: read, parse, THE pipeline (512² → 256² × 3 uint8, bss). */
import { readFileSync } from 'node:fs';
import { decodeDicomSync } from '../src/dicom/index.js';
import { preprocessDecoded } from '../src/preprocess/index.js';
import { WINDOW_STACKS } from '../src/core/windows.js';

export const BENCH_OPTIONS = { size: 256, windows: WINDOW_STACKS['bss'] ?? [], dtype: 'uint8' } as const;

/** Preprocesses every file; returns a checksum so the work cannot be optimised away. */
export function preprocessFiles(files: readonly string[]): number {
  let sum = 0;
  for (const f of files) {
    const img = preprocessDecoded(decodeDicomSync(readFileSync(f), f), BENCH_OPTIONS);
    sum += img.data[img.data.length >> 1] as number;
  }
  return sum;
}
