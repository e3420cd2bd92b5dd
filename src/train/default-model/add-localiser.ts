/**
 * Puts a trained localiser (`bleedseg-fine` ONNX from train-seg-map.js, with its `.json` sidecar)
 * into an existing model folder as `seg.onnx` and names it in the card (`localiser`, plus
 * `trainingData.localiser` and a note). The copy's spatial dimensions are made symbolic
 * (relax-dims.ts), so inference can run it on the box around the skull; without a sidecar the
 * card's existing `trainingData.localiser` is kept (re-adding the folder's own seg.onnx). Nothing else in the folder changes: the verdict, its
 * features and their validation stay those of the folder's own build (build-default.js), since
 * the localiser only draws the masks.
 *
 * Run: node dist/src/train/default-model/add-localiser.js --model models/default --seg <seg.onnx> [--summary "<one line>"]
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ichError } from '../../core/errors.js';
import { SUBTYPES } from '../../core/subtypes.js';
import { BLEEDSEG_FINE_STRIDE } from '../../model/architectures/bleedseg-fine.js';
import { MODEL_CARD_FILE, readModelCard, type ModelCard } from '../../model/card/model-card.js';
import { relaxSpatialDims } from '../../model/onnx/relax-dims.js';

export const LOCALISER_FILE = 'seg.onnx';
/** The trained float localiser, kept beside an int8 `seg.onnx` by quantize-localiser.js. */
export const LOCALISER_FP32_FILE = 'seg.fp32.onnx';

/** The card with the localiser named in it (pure: the caller writes it). */
export function withLocaliser(card: ModelCard, info: Record<string, unknown>, summary: string | undefined): ModelCard {
  const alsoVerdict = card.trunk?.bloodMap?.file === LOCALISER_FILE || card.trunk?.secondBloodMap?.file === LOCALISER_FILE;
  const use = alsoVerdict
    ? "its any channel is also a blood map of the verdict (trunk.bloodMap or secondBloodMap); it draws the masks and volumes (its subtype channels are optional, region subtypes come from the place/shape rule by default)"
    : 'used for the masks and volumes only (never the verdict; its subtype channels are optional, region subtypes come from the place/shape rule by default)';
  const note = `Localiser: ${LOCALISER_FILE} is bleedseg-fine (src/model/architectures/bleedseg-fine.ts; stride 2, five subtype channels + any), ${use}, on the slices of a positive series where the verdict's blood map (trunk.bloodMap) reaches the gate (src/infer/localise/subtype-map.ts); trained by src/train/default-model/train-seg-map.ts.${summary ? ` ${summary}` : ''}`;
  return {
    ...card,
    localiser: { file: LOCALISER_FILE, architecture: 'bleedseg-fine', stride: BLEEDSEG_FINE_STRIDE, channels: SUBTYPES },
    trainingData: { ...card.trainingData, localiser: info },
    notes: [...(card.notes ?? []).filter((n) => !n.startsWith('Localiser:')), note],
  };
}

/** A model folder's localiser, to carry into another build: its file (int8 or float), the float copy if any, and the card's record of its training. */
export interface LocaliserFolder {
  file: string;
  bytes: Uint8Array;
  fp32: Uint8Array | undefined;
  info: Record<string, unknown>;
}

export function readLocaliserFolder(dir: string): LocaliserFolder {
  const card = readModelCard(dir);
  if (!card.localiser) throw ichError('ICH_E_MODEL_FORMAT', `${dir} has no localiser in its ${MODEL_CARD_FILE}`);
  const file = join(dir, card.localiser.file);
  const fp32 = join(dir, LOCALISER_FP32_FILE);
  const info = card.trainingData['localiser'];
  return { file, bytes: readFileSync(file), fp32: existsSync(fp32) ? readFileSync(fp32) : undefined, info: typeof info === 'object' && info !== null ? (info as Record<string, unknown>) : {} };
}

function main(): void {
  const { values } = parseArgs({ options: { model: { type: 'string' }, seg: { type: 'string' }, summary: { type: 'string' } } });
  if (!values.model || !values.seg) throw ichError('ICH_E_USAGE', '--model <folder> and --seg <seg.onnx> are required');
  const dir = resolve(values.model);
  const sidecar = `${values.seg}.json`;
  const before = readModelCard(dir);
  const kept = before.trainingData['localiser'];
  const info = existsSync(sidecar) ? (JSON.parse(readFileSync(sidecar, 'utf8')) as Record<string, unknown>) : typeof kept === 'object' && kept !== null ? (kept as Record<string, unknown>) : {};
  const card = withLocaliser(before, info, values.summary);
  writeFileSync(join(dir, LOCALISER_FILE), relaxSpatialDims(readFileSync(values.seg)));
  // a float copy left by quantize-localiser.js belongs to the localiser replaced here
  rmSync(join(dir, LOCALISER_FP32_FILE), { force: true });
  writeFileSync(join(dir, MODEL_CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
  readModelCard(dir); // the written card passes the checks
  process.stderr.write(`${dir}: ${LOCALISER_FILE} added and named in ${MODEL_CARD_FILE}\n`);
}

// a script when run, a module (withLocaliser) when imported by tests
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
