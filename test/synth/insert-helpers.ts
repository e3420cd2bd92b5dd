/**
 * Shared checks for the lesion-insertion tests: a source folder of synthetic negative studies (one
 * per pixel encoding, drawn by the project's generator), and readers of an insertion output.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeHu, decodeDicom } from '../../src/dicom/index.js';
import { decodeSliceMask, planStudy, renderStudySlice } from '../../src/synth/index.js';
import type { PixelEncoding } from '../../src/synth/index.js';
import type { InsertSeriesRecord } from '../../src/synth/insert/index.js';

/** Writes negative synthetic studies, one per encoding (`slices` each, `size`²), into `dir`. */
export function writeNegativeStudies(dir: string, slices = 10, size = 256): PixelEncoding[] {
  mkdirSync(dir, { recursive: true });
  const wanted: PixelEncoding[] = ['int16', 'uint12', 'uint12-rsna-wrapped'];
  const done: PixelEncoding[] = [];
  for (let i = 0; i < 200 && done.length < wanted.length; i++) {
    const plan = planStudy(21, i, { slicesPerStudy: [slices, slices], size, prevalence: 0 });
    if (done.includes(plan.encoding)) continue;
    done.push(plan.encoding);
    for (let k = 0; k < slices; k++) {
      const s = renderStudySlice(plan, k);
      writeFileSync(join(dir, `${s.imageId}.dcm`), s.dicom);
    }
  }
  return done;
}

export interface OutputSlice {
  record: InsertSeriesRecord['slices'][number];
  series: InsertSeriesRecord;
  /** Position in its series. */
  k: number;
  hu: Float32Array;
  sourceHu: Float32Array;
  mask: Uint8Array;
  rows: number;
  cols: number;
  /** Column, row spacing, mm. */
  dx: number;
  dy: number;
}

export function readStudies(out: string): { series: InsertSeriesRecord[]; failures: { file: string; code: string }[] } {
  return JSON.parse(readFileSync(join(out, 'studies.json'), 'utf8')) as { series: InsertSeriesRecord[]; failures: { file: string; code: string }[] };
}

async function readHu(file: string): Promise<{ hu: Float32Array; rows: number; cols: number; dx: number; dy: number }> {
  const d = await decodeDicom(readFileSync(file), file);
  const sp = d.meta.pixelSpacing ?? [1, 1];
  return { hu: computeHu(d.raw, d.meta, { rsna12BitFix: true, padToAir: true }), rows: d.meta.rows, cols: d.meta.columns, dy: sp[0], dx: sp[1] };
}

/** Every output slice with its HU, its source's HU and its mask (`onlyPositive`: slices with blood). */
export async function readOutputSlices(out: string, source: string, onlyPositive = true): Promise<OutputSlice[]> {
  const result: OutputSlice[] = [];
  for (const series of readStudies(out).series) {
    for (const [k, record] of series.slices.entries()) {
      if (onlyPositive && !record.labels.any) continue;
      const o = await readHu(join(out, 'images', `${record.imageId}.dcm`));
      const src = await readHu(join(source, record.source));
      const maskFile = join(out, 'masks', `${record.imageId}.mask.gz`);
      const mask = decodeSliceMask(readFileSync(maskFile), maskFile).bits;
      result.push({ record, series, k, hu: o.hu, sourceHu: src.hu, mask, rows: o.rows, cols: o.cols, dx: o.dx, dy: o.dy });
    }
  }
  return result;
}

/**
 * True when pixel k is enclosed by the skull: of 8 rays from it (rows, columns, diagonals), at
 * least 6 meet bone (HU > 300). A pixel outside the skull sees bone in at most about half of the
 * directions; 2 rays may escape inside it through the orbits or foramina at the skull base.
 */
export function enclosedByBone(hu: Float32Array, rows: number, cols: number, k: number): boolean {
  const r = Math.floor(k / cols);
  const c = k % cols;
  let hits = 0;
  for (const [dy, dx] of [[0, 1], [0, -1], [1, 0], [-1, 0], [1, 1], [1, -1], [-1, 1], [-1, -1]] as const) {
    for (let y = r + dy, x = c + dx; y >= 0 && y < rows && x >= 0 && x < cols; y += dy, x += dx) {
      if ((hu[y * cols + x] as number) > 300) {
        hits++;
        break;
      }
    }
  }
  return hits >= 6;
}

/** mm from pixel k to the nearest bone pixel (HU > 300), searched within `maxMm`; Infinity if none. */
export function distanceToBone(hu: Float32Array, s: Pick<OutputSlice, 'rows' | 'cols' | 'dx' | 'dy'>, k: number, maxMm: number): number {
  const r = Math.floor(k / s.cols);
  const c = k % s.cols;
  const ry = Math.ceil(maxMm / s.dy);
  const rx = Math.ceil(maxMm / s.dx);
  let best = Infinity;
  for (let y = Math.max(0, r - ry); y <= Math.min(s.rows - 1, r + ry); y++)
    for (let x = Math.max(0, c - rx); x <= Math.min(s.cols - 1, c + rx); x++)
      if ((hu[y * s.cols + x] as number) > 300) best = Math.min(best, Math.hypot((y - r) * s.dy, (x - c) * s.dx));
  return best;
}
