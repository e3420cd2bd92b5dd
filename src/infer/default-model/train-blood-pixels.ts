/**
 * Fits the blood-pixel model (src/infer/blood-pixels.ts) on a synthetic dataset's masks: every slice
 * goes through THE pipeline (256 px, brain/subdural/soft, uint8) as the default model sees it, the
 * 512 px mask is reduced to 256 px (a pixel is blood when ≥ 2 of its 2×2 source pixels are), and
 * cavity pixels are subsampled — every blood pixel up to `maxPositivesPerSlice`, and
 * `negativesPerSlice` random others — from a seeded RNG. The logistic fit is the head's
 * (deterministic full-batch Adam, L2 on standardised features) with one label.
 * Run: node dist/src/infer/default-model/train-blood-pixels.js --synth <dir> [--eval <dir>] [--out model.json]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRng } from '../../core/random.js';
import type { Image } from '../../core/tensor.js';
import { WINDOW_STACKS } from '../../core/windows.js';
import { readDicomFile } from '../../dicom/index.js';
import { rocAuc } from '../../model/metrics.js';
import { preprocessDecoded } from '../../preprocess/index.js';
import { decodeSliceMask } from '../../synth/index.js';
import { BLOOD_PIXEL_FEATURE_NAMES, BLOOD_PIXEL_FEATURES, computeBloodPixelFeatures, computeBloodProbability, type BloodPixelModel } from '../blood-pixels.js';
import { computeSliceCavity, type SliceCavity } from '../hu-features.js';
import { fitLogisticHead } from './logistic.js';

export const BLOOD_SIZE = 256;
export const BLOOD_WINDOWS = [...(WINDOW_STACKS['bss'] ?? [])];

/** One synthetic slice at the model's input: its cavity and its blood mask ([h·w], 1 = blood). */
export interface MaskedSlice {
  id: string;
  cav: SliceCavity;
  blood: Uint8Array;
}

/** Halves a mask (rows × cols → rows/2 × cols/2): blood where ≥ 2 of the 2×2 source pixels are. */
function halveMask(bits: Uint8Array, rows: number, cols: number): Uint8Array {
  const h = rows >> 1;
  const w = cols >> 1;
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = 2 * y * cols + 2 * x;
      const s = (bits[i] ? 1 : 0) + (bits[i + 1] ? 1 : 0) + (bits[i + cols] ? 1 : 0) + (bits[i + cols + 1] ? 1 : 0);
      out[y * w + x] = s >= 2 ? 1 : 0;
    }
  return out;
}

/** Reads the slices of a synth folder (images/*.dcm + masks/*.mask.gz), sorted by id; `every` keeps every k-th slice. */
export async function readMaskedSlices(dir: string, every = 1): Promise<MaskedSlice[]> {
  const names = readdirSync(join(dir, 'images')).filter((f) => f.endsWith('.dcm')).sort();
  const out: MaskedSlice[] = [];
  for (const [k, name] of names.entries()) {
    if (k % every) continue;
    const id = name.slice(0, -4);
    const d = await readDicomFile(join(dir, 'images', name));
    const img = preprocessDecoded(d, { size: BLOOD_SIZE, windows: BLOOD_WINDOWS, dtype: 'uint8' }) as Image<'uint8'>;
    const cav = computeSliceCavity(img, BLOOD_WINDOWS);
    const file = join(dir, 'masks', `${id}.mask.gz`);
    const m = decodeSliceMask(readFileSync(file), file);
    let blood: Uint8Array;
    if (m.rows === cav.h && m.columns === cav.w) blood = Uint8Array.from(m.bits, (b) => (b ? 1 : 0));
    else if (m.rows === 2 * cav.h && m.columns === 2 * cav.w) blood = halveMask(m.bits, m.rows, m.columns);
    else throw new Error(`${file}: mask ${m.rows}×${m.columns} does not map onto ${cav.h}×${cav.w}`);
    out.push({ id, cav, blood });
  }
  return out;
}

/** Fits the pixel model on subsampled cavity pixels of `slices` (seeded). */
export function fitBloodPixelModel(slices: readonly MaskedSlice[], seed: number, negativesPerSlice = 400, maxPositivesPerSlice = 400): BloodPixelModel {
  const rng = createRng(seed);
  const rows: number[] = [];
  const ys: number[] = [];
  for (const s of slices) {
    const { index, x } = computeBloodPixelFeatures(s.cav);
    const pos: number[] = [];
    for (let j = 0; j < index.length; j++) if (s.blood[index[j] as number]) pos.push(j);
    const pick = (j: number, y: number): void => {
      for (let f = 0; f < BLOOD_PIXEL_FEATURES; f++) rows.push(x[j * BLOOD_PIXEL_FEATURES + f] as number);
      ys.push(y);
    };
    for (let k = 0; k < Math.min(pos.length, maxPositivesPerSlice); k++) pick(pos.length > maxPositivesPerSlice ? (pos[rng.int(0, pos.length - 1)] as number) : (pos[k] as number), 1);
    // negatives: half uniform over the cavity, half among dense pixels (3×3 mean ≥ 45 HU: the
    // decoys — sinuses, calcifications, the seam along the inner table — that uniform draws miss)
    const dense: number[] = [];
    for (let j = 0; j < index.length; j++) if (!s.blood[index[j] as number] && (x[j * BLOOD_PIXEL_FEATURES + 1] as number) >= 45) dense.push(j);
    for (let k = 0; k < negativesPerSlice && index.length; k++) {
      const j = k % 2 && dense.length ? (dense[rng.int(0, dense.length - 1)] as number) : rng.int(0, index.length - 1);
      if (!s.blood[index[j] as number]) pick(j, 0);
    }
  }
  const n = ys.length;
  const y6 = new Float32Array(n * 6);
  ys.forEach((v, i) => (y6[i * 6 + 5] = v));
  const head = fitLogisticHead(Float32Array.from(rows), y6, n, BLOOD_PIXEL_FEATURES, { l2: 0.01, steps: 300, lr: 0.05 });
  return {
    features: [...BLOOD_PIXEL_FEATURE_NAMES],
    weights: Array.from({ length: BLOOD_PIXEL_FEATURES }, (_, f) => head.weights[f * 6 + 5] as number),
    bias: head.bias[5] as number,
  };
}

/** Pixel AUC and IoU (p > 0.5 vs mask) over the cavity pixels of `slices`. */
export function measureBloodPixels(slices: readonly MaskedSlice[], model: BloodPixelModel, every = 4): { auc: number; iou: number; bloodPixels: number } {
  const scores: number[] = [];
  const labels: number[] = [];
  let inter = 0;
  let union = 0;
  let bloodPixels = 0;
  for (const s of slices) {
    const p = computeBloodProbability(s.cav, model);
    for (let i = 0; i < p.length; i++) {
      if (!s.cav.cavityMask[i]) continue;
      const y = s.blood[i] as number;
      const hit = (p[i] as number) > 0.5;
      bloodPixels += y;
      if (hit && y) inter++;
      if (hit || y) union++;
      if (y || i % every === 0) {
        scores.push(p[i] as number);
        labels.push(y);
      }
    }
  }
  return { auc: rocAuc(scores, labels), iou: union ? inter / union : 0, bloodPixels };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { synth: { type: 'string' }, eval: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string', default: '202' }, every: { type: 'string', default: '1' } } });
  if (!values.synth) throw new Error('--synth <dir> is required');
  const train = await readMaskedSlices(values.synth, Number(values.every));
  const model = fitBloodPixelModel(train, Number(values.seed));
  process.stderr.write(`trained on ${train.length} slices: ${JSON.stringify(model)}\ntrain ${JSON.stringify(measureBloodPixels(train, model))}\n`);
  if (values.eval) process.stderr.write(`eval ${JSON.stringify(measureBloodPixels(await readMaskedSlices(values.eval, 2), model))}\n`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(model, null, 2)}\n`);
}

if (process.argv[1]?.endsWith('train-blood-pixels.js')) await main();
