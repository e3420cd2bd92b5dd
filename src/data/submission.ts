/**
 * The Kaggle RSNA 2019 submission format: header `ID,Label`, six rows per image
 * (`ID_<img>_<subtype>,<probability>`, SUBTYPES order), every image exactly once, probabilities
 * clipped to [1e-15, 1 − 1e-15] (the metric's own clip, so a file scores the same before and
 * after clipping). Reading accepts any row order and checks completeness.
 */
import { readFileSync, existsSync } from 'node:fs';
import { ichError } from '../core/errors.js';
import { KAGGLE_EPS, SUBTYPES, SUBTYPE_INDEX } from '../core/subtypes.js';
import { parseLabelKey } from './labels.js';

const K = SUBTYPES.length;

export interface ImagePredictions {
  /** Image ids (`ID_<hex>`), one per row of `probabilities`. */
  imageIds: string[];
  /** [n, 6] probabilities, SUBTYPES order. */
  probabilities: Float32Array;
}

/** Clipped probability as text: 7 significant digits, the clip bounds printed exactly. */
export function formatProbability(p: number): string {
  if (!Number.isFinite(p)) throw ichError('ICH_E_INTERNAL', `probability ${p} is not finite`);
  const c = Math.min(Math.max(p, KAGGLE_EPS), 1 - KAGGLE_EPS);
  const short = Number(c.toPrecision(7));
  return short <= 0 || short >= 1 ? String(c) : String(short);
}

/** The submission CSV text, images sorted by id. Throws ICH_E_INTERNAL on duplicate ids. */
export function formatSubmission(preds: ImagePredictions): string {
  const order = preds.imageIds.map((id, i) => [id, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const lines = ['ID,Label'];
  let prev: string | undefined;
  for (const [id, i] of order) {
    if (id === prev) throw ichError('ICH_E_INTERNAL', `image ${id} appears twice`);
    prev = id;
    for (let k = 0; k < K; k++) lines.push(`${id}_${SUBTYPES[k]},${formatProbability(preds.probabilities[i * K + k] as number)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Parses a submission-style CSV of probabilities. Throws ICH_E_BAD_LABELS naming the file and line
 * for a wrong header, a bad id or value, a duplicate row, or an image without all six rows.
 */
export function readPredictionsCsv(file: string): ImagePredictions {
  if (!existsSync(file)) throw ichError('ICH_E_FILE_NOT_FOUND', 'predictions CSV', { file });
  const text = readFileSync(file, 'utf8');
  const lines = text.split(/\r?\n/);
  if ((lines[0] ?? '').replace(/^\uFEFF/, '').trim().toLowerCase() !== 'id,label') throw ichError('ICH_E_BAD_LABELS', `line 1: expected header "ID,Label"`, { file });
  const rows = new Map<string, Float32Array>();
  const seen = new Map<string, number>();
  for (let li = 1; li < lines.length; li++) {
    const line = (lines[li] as string).trim();
    if (line === '') continue;
    const comma = line.indexOf(',');
    const key = comma > 0 ? parseLabelKey(line.slice(0, comma)) : undefined;
    const value = Number(line.slice(comma + 1));
    if (!key || !Number.isFinite(value) || value < 0 || value > 1) throw ichError('ICH_E_BAD_LABELS', `line ${li + 1}: expected "ID_<image>_<subtype>,<probability in [0,1]>", got "${line.slice(0, 80)}"`, { file });
    const k = SUBTYPE_INDEX[key.subtype];
    const bit = 1 << k;
    const mask = seen.get(key.imageId) ?? 0;
    if (mask & bit) throw ichError('ICH_E_BAD_LABELS', `line ${li + 1}: ${key.imageId}_${key.subtype} appears twice`, { file });
    seen.set(key.imageId, mask | bit);
    let v = rows.get(key.imageId);
    if (!v) {
      v = new Float32Array(K);
      rows.set(key.imageId, v);
    }
    v[k] = value;
  }
  const imageIds = [...rows.keys()];
  const probabilities = new Float32Array(imageIds.length * K);
  imageIds.forEach((id, i) => {
    if (seen.get(id) !== (1 << K) - 1) throw ichError('ICH_E_BAD_LABELS', `${id} lacks some of the six labels`, { file });
    probabilities.set(rows.get(id) as Float32Array, i * K);
  });
  return { imageIds, probabilities };
}
