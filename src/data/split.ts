/**
 * Leak-free cross-validation folds: whole groups (patients) go to one fold, so no patient's slices
 * sit on both sides. Stratified by a greedy fill: groups are visited rarest-subtype first (random
 * order within a tier, from the seed) and each goes to the bin whose relative fill — positives per
 * subtype it carries and image count, each divided by the bin's target share — stays lowest, the
 * group's own rarest subtype (or, for negatives, its image count) weighing most.
 * An optional holdout bin (fold -1) takes a `holdout` share of the images the same way.
 */
import { ichError } from '../core/errors.js';
import { createRng, shuffleInPlace } from '../core/random.js';
import { SUBTYPES } from '../core/subtypes.js';

/** Fold number of the holdout group. */
export const HOLDOUT_FOLD = -1;

export interface SplitGroup {
  /** PatientID (else StudyInstanceUID, else series key). */
  key: string;
  images: number;
  /** Positive image counts in SUBTYPES order (length 6). */
  positives: readonly number[];
}

export interface SplitOptions {
  folds: number;
  seed: number;
  /** Share of images kept out of every fold, in [0, 1). Default 0. */
  holdout?: number;
}

/** Tier of a group: index of its rarest positive subtype overall (lower = rarer), or SUBTYPES.length for negatives. */
function rarityTier(g: SplitGroup, order: readonly number[]): number {
  for (let t = 0; t < order.length; t++) if ((g.positives[order[t] as number] ?? 0) > 0) return t;
  return order.length;
}

/** Returns group key → fold (0..folds-1, or HOLDOUT_FOLD). Deterministic for a seed. */
export function assignFolds(groups: readonly SplitGroup[], opts: SplitOptions): Map<string, number> {
  const { folds, seed } = opts;
  const holdout = opts.holdout ?? 0;
  if (!Number.isInteger(folds) || folds < 1) throw ichError('ICH_E_USAGE', `--folds must be an integer ≥ 1, got ${folds}`);
  if (!(holdout >= 0 && holdout < 1)) throw ichError('ICH_E_USAGE', `--holdout must be in [0, 1), got ${holdout}`);
  const bins = holdout > 0 ? folds + 1 : folds;
  if (groups.length < bins) throw ichError('ICH_E_USAGE', `${groups.length} patient groups cannot fill ${bins} folds`);
  // Bin b's target share; the holdout bin (last) gets `holdout`.
  const share = Array.from({ length: bins }, (_, b) => (holdout > 0 && b === folds ? holdout : (1 - holdout) / folds));
  const dims = SUBTYPES.length + 1; // six subtypes + image count
  const total = new Float64Array(dims);
  for (const g of groups) {
    for (let s = 0; s < SUBTYPES.length; s++) total[s] = (total[s] as number) + (g.positives[s] ?? 0);
    total[SUBTYPES.length] = (total[SUBTYPES.length] as number) + g.images;
  }
  const rarest = SUBTYPES.map((_, s) => s).sort((a, b) => (total[a] as number) - (total[b] as number) || a - b).filter((s) => (total[s] as number) > 0);
  const rng = createRng(seed);
  const order = shuffleInPlace([...groups], rng);
  const tiers = new Map(order.map((g) => [g, rarityTier(g, rarest)]));
  // Rarest tier first; within a tier, largest count of the tier's subtype (or images) first, which
  // packs better; equal ones keep the seeded random order (the sort is stable).
  const tierDim = (g: SplitGroup): number => {
    const t = tiers.get(g) as number;
    return t < rarest.length ? (rarest[t] as number) : SUBTYPES.length;
  };
  const mass = (g: SplitGroup): number => (tierDim(g) < SUBTYPES.length ? (g.positives[tierDim(g)] ?? 0) : g.images);
  order.sort((a, b) => (tiers.get(a) as number) - (tiers.get(b) as number) || mass(b) - mass(a));
  const load = Array.from({ length: bins }, () => new Float64Array(dims));
  const out = new Map<string, number>();
  for (const g of order) {
    let best = -1;
    let bestScore = Infinity;
    let ties = 0;
    for (let b = 0; b < bins; b++) {
      const l = load[b] as Float64Array;
      // Lexicographic: the fill of the group's own (rarest) dimension decides; the others break ties.
      const main = tierDim(g);
      let score = 0;
      for (let d = 0; d < dims; d++) {
        const add = d < SUBTYPES.length ? (g.positives[d] ?? 0) : g.images;
        const t = total[d] as number;
        if (add > 0 && t > 0) score += (d === main ? 1000 : 1) * (((l[d] as number) + add) / (t * (share[b] as number)));
      }
      if (score < bestScore - 1e-12) {
        best = b;
        bestScore = score;
        ties = 1;
      } else if (Math.abs(score - bestScore) <= 1e-12 && rng.int(0, ties++) === 0) {
        best = b; // reservoir choice among equal bins, seeded
      }
    }
    const l = load[best] as Float64Array;
    for (let s = 0; s < SUBTYPES.length; s++) l[s] = (l[s] as number) + (g.positives[s] ?? 0);
    l[SUBTYPES.length] = (l[SUBTYPES.length] as number) + g.images;
    out.set(g.key, holdout > 0 && best === folds ? HOLDOUT_FOLD : best);
  }
  return out;
}
