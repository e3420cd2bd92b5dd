/**
 * Per-epoch sampling: which images an epoch visits, in which order. Seeded by (seed, epoch), so an
 * epoch's list is the same on every run and every worker count.
 *
 * - `all`: every image once, shuffled.
 * - `resample` (the capstone's generator): each image is kept with its class's keep probability
 *   (negatives vs positives; a positive image takes the largest keep of its positive subtypes),
 *   then a kept positive is repeated by its oversampling factor (fractional part drawn), shuffled.
 *   The capstone used keep 0.35 (negative) / 0.5 (positive) and factors 1.5–3 in its models.
 * - `balanced`: `epochSize` draws with replacement; each draw picks a class uniformly among the
 *   classes that have images (negative + each subtype present), then an image of that class.
 */
import { ichError } from '../core/errors.js';
import type { ImageId } from '../core/ids.js';
import { createRng, hashString, shuffleInPlace, type Rng } from '../core/random.js';
import { SUBTYPES, isSubtype, type Subtype } from '../core/subtypes.js';
import type { LabelBits } from './labels.js';

export type SampleClass = Subtype | 'negative';

export type SamplingConfig =
  | { kind: 'all' }
  | {
      kind: 'resample';
      /** Keep probability per class in [0, 1]; missing classes keep 1 (positives fall back to `any`). */
      keep: Partial<Record<SampleClass, number>>;
      /** Oversampling factor per subtype (≥ 0); missing = 1 (positives fall back to `any`). */
      oversample: Partial<Record<Subtype, number>>;
    }
  | { kind: 'balanced'; /** Draws per epoch (default: number of images). */ epochSize?: number };

export interface SampleItem {
  id: ImageId;
  bits: LabelBits;
}

/** The capstone's setting: keep 35% of negatives and 50% of positives, no oversampling. */
export const CAPSTONE_SAMPLING: SamplingConfig = { kind: 'resample', keep: { negative: 0.35, any: 0.5 }, oversample: {} };

function positiveValue(bits: LabelBits, table: Partial<Record<SampleClass, number>>): number | undefined {
  let best: number | undefined;
  for (let s = 0; s < SUBTYPES.length; s++) {
    const v = table[SUBTYPES[s] as Subtype];
    if ((bits >> s) & 1 && v !== undefined) best = best === undefined ? v : Math.max(best, v);
  }
  return best;
}

/** An image's keep probability and oversampling factor under a `resample` config. */
export function resampleRates(bits: LabelBits, cfg: Extract<SamplingConfig, { kind: 'resample' }>): { keep: number; factor: number } {
  if (bits === 0) return { keep: cfg.keep.negative ?? 1, factor: 1 };
  return { keep: positiveValue(bits, cfg.keep) ?? 1, factor: positiveValue(bits, cfg.oversample as Partial<Record<SampleClass, number>>) ?? 1 };
}

function drawCopies(rng: Rng, keep: number, factor: number): number {
  if (!rng.chance(keep)) return 0;
  const whole = Math.floor(factor);
  return whole + (rng.chance(factor - whole) ? 1 : 0);
}

/** The class an image counts in for balancing: its positive subtypes, or negative. */
function classesOf(bits: LabelBits): SampleClass[] {
  if (bits === 0) return ['negative'];
  return SUBTYPES.filter((_, s) => (bits >> s) & 1);
}

/** The epoch's ordered list of image ids. Items must be given in a stable order (e.g. sorted by id). */
export function sampleEpoch(items: readonly SampleItem[], cfg: SamplingConfig, seed: number, epoch: number): ImageId[] {
  const rng = createRng((seed ^ Math.imul(epoch + 1, 0x9e3779b1) ^ hashString('epoch')) >>> 0);
  if (cfg.kind === 'all') return shuffleInPlace(items.map((it) => it.id), rng);
  if (cfg.kind === 'resample') {
    const out: ImageId[] = [];
    for (const it of items) {
      const { keep, factor } = resampleRates(it.bits, cfg);
      const n = drawCopies(rng, keep, factor);
      for (let k = 0; k < n; k++) out.push(it.id);
    }
    return shuffleInPlace(out, rng);
  }
  const byClass = new Map<SampleClass, ImageId[]>();
  for (const it of items) {
    for (const c of classesOf(it.bits)) {
      const list = byClass.get(c) ?? [];
      list.push(it.id);
      byClass.set(c, list);
    }
  }
  const classes = (['negative', ...SUBTYPES] as SampleClass[]).filter((c) => byClass.has(c));
  const size = cfg.epochSize ?? items.length;
  const out: ImageId[] = [];
  for (let i = 0; i < size && classes.length > 0; i++) {
    const list = byClass.get(classes[rng.int(0, classes.length - 1)] as SampleClass) as ImageId[];
    out.push(list[rng.int(0, list.length - 1)] as ImageId);
  }
  return out;
}

/**
 * Parses a `--sampling` value: `all`, `capstone`, `balanced[:N]`, or
 * `resample:negative=0.35,any=0.5,x:any=2,x:epidural=3` (keep per class; `x:` = oversampling factor).
 */
export function parseSamplingSpec(spec: string): SamplingConfig {
  const s = spec.trim();
  if (s === 'all' || s === 'none') return { kind: 'all' };
  if (s === 'capstone') return CAPSTONE_SAMPLING;
  const bal = /^balanced(?::(\d+))?$/.exec(s);
  if (bal) return bal[1] === undefined ? { kind: 'balanced' } : { kind: 'balanced', epochSize: Number(bal[1]) };
  if (s.startsWith('resample:')) {
    const keep: Partial<Record<SampleClass, number>> = {};
    const oversample: Partial<Record<Subtype, number>> = {};
    for (const part of s.slice('resample:'.length).split(',')) {
      const m = /^(x:)?([a-z]+)=(\d*\.?\d+)$/.exec(part.trim());
      const name = m?.[2];
      const value = Number(m?.[3]);
      if (!m || name === undefined || !(name === 'negative' || isSubtype(name))) throw ichError('ICH_E_USAGE', `bad sampling term "${part}" in "${spec}"`);
      if (m[1]) {
        if (name === 'negative') throw ichError('ICH_E_USAGE', 'oversampling applies to positive classes only');
        oversample[name] = value;
      } else {
        if (value > 1) throw ichError('ICH_E_USAGE', `keep probability must be ≤ 1 in "${part}"`);
        keep[name] = value;
      }
    }
    return { kind: 'resample', keep, oversample };
  }
  throw ichError('ICH_E_USAGE', `unknown sampling "${spec}" (all | capstone | balanced[:N] | resample:negative=0.35,any=0.5,x:any=2)`);
}
