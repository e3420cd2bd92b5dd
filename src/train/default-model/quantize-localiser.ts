/**
 * Makes a model folder's localiser int8 (src/model/onnx/quantize.ts): the float `seg.onnx` is kept
 * as `seg.fp32.onnx` (the trained file, and the source of any later calibration), and `seg.onnx`
 * becomes its quantized copy, calibrated on slices of a folder of CT the localiser is meant for
 * (every k-th file, preprocessed as the card says). The card records it in
 * `trainingData.localiser.quantization`. Running it again re-quantizes from `seg.fp32.onnx`.
 *
 * Run: node dist/src/train/default-model/quantize-localiser.js --model models/default --calib <dir of DICOM> [--slices 32]
 *  or: … --fp32 <seg.fp32.onnx> --out <seg.onnx> --calib <dir> (a bare file, e.g. a CV fold's localiser; no card)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ichError } from '../../core/errors.js';
import type { Image } from '../../core/tensor.js';
import type { FloatTensor } from '../../model/onnx/runner.js';
import { decodeDicom } from '../../dicom/index.js';
import { preprocessDecoded } from '../../preprocess/index.js';
import { buildContextBatch } from '../../model/features/slice-context.js';
import { MODEL_CARD_FILE, readModelCard, type ModelCard } from '../../model/card/model-card.js';
import { WINDOW_STACKS } from '../../core/windows.js';
import { quantizeConvGraph } from '../../model/onnx/quantize.js';
import { LOCALISER_FP32_FILE } from './add-localiser.js';


/** Every k-th DICOM file of `calibDir` (at most `want`), preprocessed at `size` with `windows`, in batches of 8. */
async function readCalibration(calibDir: string, want: number, size: number, windows: ModelCard['windows'], sigmoid: boolean): Promise<{ batches: FloatTensor[]; slices: number; step: number }> {
  const all = readdirSync(calibDir).filter((f) => f.endsWith('.dcm')).sort();
  const step = Math.max(1, Math.floor(all.length / want));
  const files = all.filter((_, i) => i % step === 0).slice(0, want);
  const images: Image<'uint8'>[] = [];
  for (const f of files) {
    const d = await decodeDicom(readFileSync(join(calibDir, f)), f);
    images.push(preprocessDecoded(d, { size, windows, dtype: 'uint8', sigmoid }, 0));
  }
  const batches = [];
  for (let i = 0; i < images.length; i += 8) batches.push(buildContextBatch(images, Array.from({ length: Math.min(8, images.length - i) }, (_, j) => i + j), 0, false));
  return { batches, slices: images.length, step };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, calib: { type: 'string' }, slices: { type: 'string', default: '32' }, fp32: { type: 'string' }, out: { type: 'string' } } });
  if (values.fp32 && values.out && values.calib) {
    // the shipped family's input: 256 px, bss windows (as train-seg-map.js trains it)
    const cal = await readCalibration(resolve(values.calib), Number(values.slices), 256, [...(WINDOW_STACKS['bss'] ?? [])], false);
    writeFileSync(resolve(values.out), await quantizeConvGraph(readFileSync(resolve(values.fp32)), cal.batches));
    process.stderr.write(`${values.out}: int8, calibrated on ${cal.slices} slices\n`);
    return;
  }
  if (!values.model || !values.calib) throw ichError('ICH_E_USAGE', '--model <folder> (or --fp32 <file> --out <file>) and --calib <folder of DICOM slices> are required');
  const dir = resolve(values.model);
  const card = readModelCard(dir);
  if (!card.localiser) throw ichError('ICH_E_MODEL_FORMAT', `${dir} has no localiser`);
  const segFile = join(dir, card.localiser.file);
  const fp32File = join(dir, LOCALISER_FP32_FILE);
  if (!existsSync(fp32File)) copyFileSync(segFile, fp32File);
  const calibDir = resolve(values.calib);
  const { batches, slices, step } = await readCalibration(calibDir, Number(values.slices), card.inputSize, card.windows, card.sigmoidWindows ?? false);
  writeFileSync(segFile, await quantizeConvGraph(readFileSync(fp32File), batches));
  const info = (card.trainingData['localiser'] ?? {}) as Record<string, unknown>;
  const quantization = {
    method: 'static int8 QDQ (src/model/onnx/quantize.ts): BatchNorm folded, per-channel int8 weights, uint8 activations at Conv inputs and ReLU outputs; ConvTranspose in float',
    float: LOCALISER_FP32_FILE,
    calibration: `${slices} slices, every ${step}th file of ${calibDir.split('/').slice(-2).join('/')}`,
  };
  const next = { ...card, trainingData: { ...card.trainingData, localiser: { ...info, quantization } } };
  writeFileSync(join(dir, MODEL_CARD_FILE), `${JSON.stringify(next, null, 2)}\n`);
  readModelCard(dir);
  process.stderr.write(`${segFile}: int8, calibrated on ${slices} slices (float copy: ${LOCALISER_FP32_FILE})\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
