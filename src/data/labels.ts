/**
 * The Kaggle RSNA 2019 label CSV: header `ID,Label`, one row per image and subtype,
 * `ID_<img>_<subtype>,<0|1>`, six rows per image. Parsed as a stream (readline), so the 4.5M-row
 * `stage_2_train.csv` never sits in memory as one string; each image's six labels are packed into
 * a 6-bit mask (bit i = SUBTYPES[i]) to keep ~750k images in a few tens of MB.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ichError } from '../core/errors.js';
import { asImageId, type ImageId } from '../core/ids.js';
import { SUBTYPES, SUBTYPE_INDEX, isSubtype, type LabelVector, type Subtype } from '../core/subtypes.js';
import { KNOWN_CORRUPT_IMAGES } from './known-corrupt.js';

/** Bit i set = positive for SUBTYPES[i]. */
export type LabelBits = number;
const ALL_PRESENT = (1 << SUBTYPES.length) - 1;
const ANY_BIT = 1 << SUBTYPE_INDEX.any;

export interface LabelStats {
  /** Data rows read (header excluded). */
  rows: number;
  /** Images with all six labels, not excluded. */
  images: number;
  /** Rows repeating an (image, subtype) pair already seen with the same value: dropped. */
  duplicateRows: number;
  /** Rows repeating a pair with a different value: the first value is kept. */
  conflictingRows: number;
  /** Images with fewer than six labels: excluded. */
  incomplete: number;
  /** Images where `any` differs from the OR of the five subtypes (kept, only counted). */
  inconsistentAny: number;
  excluded: number;
}

export interface LabelTable {
  /** Complete, usable images → label bits. */
  labels: Map<ImageId, LabelBits>;
  /** Images dropped, with the reason (known-corrupt list, incomplete label set). */
  excluded: Map<ImageId, string>;
  stats: LabelStats;
}

/** Splits `ID_<img>_<subtype>` at the last underscore; undefined when it is not that shape. */
export function parseLabelKey(key: string): { imageId: ImageId; subtype: Subtype } | undefined {
  const cut = key.lastIndexOf('_');
  if (cut <= 3 || !key.startsWith('ID_')) return undefined;
  const subtype = key.slice(cut + 1);
  if (!isSubtype(subtype)) return undefined;
  return { imageId: asImageId(key.slice(0, cut)), subtype };
}

/** Six labels as floats in SUBTYPES order. */
export function labelBitsToVector(bits: LabelBits): LabelVector {
  const v = new Float32Array(SUBTYPES.length);
  for (let i = 0; i < SUBTYPES.length; i++) v[i] = (bits >> i) & 1;
  return v;
}

export function isPositive(bits: LabelBits, subtype: Subtype): boolean {
  return ((bits >> SUBTYPE_INDEX[subtype]) & 1) === 1;
}

/**
 * Reads a Kaggle label CSV. Throws ICH_E_FILE_NOT_FOUND, or ICH_E_BAD_LABELS naming the file and
 * line for a wrong header, an unparseable id or a label other than 0/1.
 */
export async function readLabelsCsv(file: string): Promise<LabelTable> {
  if (!existsSync(file)) throw ichError('ICH_E_FILE_NOT_FOUND', 'label CSV', { file });
  // value bits (low 6) and "seen" bits (next 6) per image while reading
  const acc = new Map<string, number>();
  const stats: LabelStats = { rows: 0, images: 0, duplicateRows: 0, conflictingRows: 0, incomplete: 0, inconsistentAny: 0, excluded: 0 };
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (lineNo === 1) {
      if (line.replace(/^\uFEFF/, '').toLowerCase() !== 'id,label') throw ichError('ICH_E_BAD_LABELS', `line 1: expected header "ID,Label", got "${line.slice(0, 60)}"`, { file });
      continue;
    }
    if (line === '') continue;
    const comma = line.indexOf(',');
    const parsed = comma > 0 ? parseLabelKey(line.slice(0, comma)) : undefined;
    if (!parsed) throw ichError('ICH_E_BAD_LABELS', `line ${lineNo}: expected "ID_<image>_<subtype>,<0|1>", got "${line.slice(0, 80)}"`, { file });
    const value = line.slice(comma + 1).trim();
    if (value !== '0' && value !== '1') throw ichError('ICH_E_BAD_LABELS', `line ${lineNo}: label must be 0 or 1, got "${value.slice(0, 20)}"`, { file });
    stats.rows++;
    const bit = 1 << SUBTYPE_INDEX[parsed.subtype];
    const prev = acc.get(parsed.imageId) ?? 0;
    if (prev & (bit << 6)) {
      if (((prev & bit) !== 0) === (value === '1')) stats.duplicateRows++;
      else stats.conflictingRows++;
      continue;
    }
    acc.set(parsed.imageId, prev | (bit << 6) | (value === '1' ? bit : 0));
  }
  return finishLabelTable(acc, stats);
}

function finishLabelTable(acc: Map<string, number>, stats: LabelStats): LabelTable {
  const labels = new Map<ImageId, LabelBits>();
  const excluded = new Map<ImageId, string>();
  for (const [key, packed] of acc) {
    const id = asImageId(key);
    const corrupt = KNOWN_CORRUPT_IMAGES.get(id);
    if (corrupt) {
      excluded.set(id, corrupt);
      continue;
    }
    if (packed >> 6 !== ALL_PRESENT) {
      stats.incomplete++;
      excluded.set(id, `incomplete labels: ${SUBTYPES.filter((_, i) => !((packed >> (6 + i)) & 1)).join(', ')} missing`);
      continue;
    }
    const bits = packed & ALL_PRESENT;
    if (((bits & ~ANY_BIT) !== 0) !== ((bits & ANY_BIT) !== 0)) stats.inconsistentAny++;
    labels.set(id, bits);
  }
  stats.images = labels.size;
  stats.excluded = excluded.size;
  return { labels, excluded, stats };
}
