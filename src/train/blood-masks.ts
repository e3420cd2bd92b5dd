/**
 * Mask-supervised training data for the blood segmenter: the slices of `ichscan synth` folders
 * (images/*.dcm + masks/<id>.mask.gz), kept decoded in memory, and crops drawn from them with their
 * per-pixel blood targets.
 *
 * A crop goes through THE preprocessing (preprocessDecoded: windows, resize to `size`, uint8, with
 * the HU offset/scale jitter applied before the windows), so the segmenter sees exactly the pixels
 * predict feeds it. Its target is the blood fraction of every output cell (an output cell covers
 * (source px / size) · stride source pixels on a side): a soft target in [0, 1] at the map's
 * resolution.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ichError } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import type { Batch, Image } from '../core/tensor.js';
import type { WindowPreset } from '../core/windows.js';
import { readDicomFile, type DecodedDicom } from '../dicom/index.js';
import { preprocessDecoded } from '../preprocess/index.js';
import { decodeSliceMask } from '../synth/index.js';

export interface MaskedSlice {
  id: string;
  decoded: DecodedDicom;
  /** Blood fraction per output cell of a whole slice, [mapSize · mapSize]. */
  target: Float32Array;
  /** Output cells with any blood (row-major positions), to centre positive crops on. */
  bloodCells: Int32Array;
}

export interface MaskedSliceOptions {
  /** Model input size of a whole slice (e.g. 256). */
  size: number;
  /** Output stride of the segmenter (its map is size / stride). */
  stride: number;
}

/** Blood fraction of every f×f block of a rows × cols bitmask (any subtype counts as blood). */
export function computeBlockFractions(bits: Uint8Array, rows: number, cols: number, f: number): Float32Array {
  const h = Math.floor(rows / f);
  const w = Math.floor(cols / f);
  const out = new Float32Array(h * w);
  for (let y = 0; y < h * f; y++)
    for (let x = 0; x < w * f; x++) {
      const j = Math.floor(y / f) * w + Math.floor(x / f);
      if (bits[y * cols + x]) out[j] = (out[j] as number) + 1;
    }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / (f * f);
  return out;
}

/**
 * Reads every slice of a synth folder (images/ and masks/), sorted by id; `every` keeps every k-th.
 * `toTarget` turns a slice's full-resolution mask bits into its map target (f = mask pixels per map
 * cell) and lists the map cells that hold blood. Throws coded errors naming the file.
 */
export async function readSliceTargets<T>(
  dir: string,
  o: MaskedSliceOptions,
  every: number,
  toTarget: (bits: Uint8Array, rows: number, cols: number, f: number) => { target: T; bloodCells: Int32Array },
): Promise<{ id: string; decoded: DecodedDicom; target: T; bloodCells: Int32Array }[]> {
  const names = readdirSync(join(dir, 'images')).filter((f) => f.endsWith('.dcm')).sort();
  const map = o.size / o.stride;
  const out: { id: string; decoded: DecodedDicom; target: T; bloodCells: Int32Array }[] = [];
  for (const [k, name] of names.entries()) {
    if (k % every) continue;
    const id = name.slice(0, -4);
    const decoded = await readDicomFile(join(dir, 'images', name));
    const file = join(dir, 'masks', `${id}.mask.gz`);
    const m = decodeSliceMask(readFileSync(file), file);
    const f = m.rows / map;
    if (!Number.isInteger(f) || m.columns / map !== f) throw ichError('ICH_E_BAD_LABELS', `mask ${m.rows}×${m.columns} does not tile a ${map}×${map} map`, { file });
    out.push({ id, decoded, ...toTarget(m.bits, m.rows, m.columns, f) });
  }
  return out;
}

/** Reads every slice of a synth folder with its blood-fraction map target, sorted by id; `every` keeps every k-th. */
export async function readMaskedSlices(dir: string, o: MaskedSliceOptions, every = 1): Promise<MaskedSlice[]> {
  return readSliceTargets(dir, o, every, (bits, rows, cols, f) => {
    const target = computeBlockFractions(bits, rows, cols, f);
    const cells: number[] = [];
    target.forEach((v, i) => {
      if (v > 0) cells.push(i);
    });
    return { target, bloodCells: Int32Array.from(cells) };
  });
}

export interface CropOptions extends MaskedSliceOptions {
  windows: readonly WindowPreset[];
  /** Crop side at the model input (a multiple of the stride). */
  crop: number;
  /** Share of crops centred on blood, when the slice has any. */
  positiveShare: number;
  /** Max |HU offset| and |scale − 1| of the jitter. */
  huOffset: number;
  huScale: number;
}

/** One whole slice through the pipeline, as the model's input (uint8 → [0, 1] happens in the batch). */
export function preprocessSlice(s: Pick<MaskedSlice, 'decoded'>, o: { size: number; windows: readonly WindowPreset[] }, huOffset = 0, huScale = 1): Image<'uint8'> {
  return preprocessDecoded(s.decoded, { size: o.size, windows: o.windows, dtype: 'uint8', huOffset, huScale });
}

/**
 * A batch of crops: x NHWC [n, crop, crop, C] in [0, 1] (uint8 / 255, as predict feeds it), y
 * [n, crop/stride, crop/stride, 1] blood fractions. Each crop: a random slice, jittered HU, a random
 * left-right flip, and a window centred (± a quarter crop) on a blood cell with `positiveShare`
 * odds when the slice bleeds, anywhere otherwise.
 */
export function drawCropBatch(slices: readonly MaskedSlice[], n: number, o: CropOptions, rng: Rng): { x: Batch<'float32'>; y: Float32Array } {
  const C = o.windows.length;
  const map = o.size / o.stride;
  const cm = o.crop / o.stride; // crop side in map cells
  const x = new Float32Array(n * o.crop * o.crop * C);
  const y = new Float32Array(n * cm * cm);
  for (let b = 0; b < n; b++) {
    const s = slices[rng.int(0, slices.length - 1)] as MaskedSlice;
    const img = preprocessSlice(s, o, rng.uniform(-o.huOffset, o.huOffset), rng.uniform(1 - o.huScale, 1 + o.huScale));
    let cy: number;
    let cx: number;
    if (s.bloodCells.length > 0 && rng.next() < o.positiveShare) {
      const cell = s.bloodCells[rng.int(0, s.bloodCells.length - 1)] as number;
      cy = Math.floor(cell / map) + rng.int(-cm >> 2, cm >> 2);
      cx = (cell % map) + rng.int(-cm >> 2, cm >> 2);
    } else {
      cy = rng.int(0, map - 1);
      cx = rng.int(0, map - 1);
    }
    // the crop window is placed in the (possibly) flipped slice's coordinates
    const flip = rng.next() < 0.5;
    if (flip) cx = map - 1 - cx;
    const y0 = Math.min(map - cm, Math.max(0, cy - (cm >> 1)));
    const x0 = Math.min(map - cm, Math.max(0, cx - (cm >> 1)));
    for (let r = 0; r < cm; r++)
      for (let c = 0; c < cm; c++) {
        const sc = flip ? map - 1 - (x0 + c) : x0 + c;
        y[(b * cm + r) * cm + c] = s.target[(y0 + r) * map + sc] as number;
      }
    const py0 = y0 * o.stride;
    const px0 = x0 * o.stride;
    for (let r = 0; r < o.crop; r++)
      for (let c = 0; c < o.crop; c++) {
        const sx = flip ? o.size - 1 - (px0 + c) : px0 + c;
        const src = ((py0 + r) * o.size + sx) * C;
        const dst = ((b * o.crop + r) * o.crop + c) * C;
        for (let ch = 0; ch < C; ch++) x[dst + ch] = (img.data[src + ch] as number) / 255;
      }
  }
  return { x: { dtype: 'float32', data: x, shape: [n, o.crop, o.crop, C] }, y };
}
