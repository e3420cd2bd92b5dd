/**
 * Localisation against ground truth (synthetic studies or lesions inserted into real series:
 * `masks/<imageId>.mask.gz` and the per-study or per-series `bloodVolumeMl` of `studies.json`, docs/synth.md):
 * - pooled Dice over all slices, for any blood and per subtype (2·|P∩T| / (|P| + |T|); null when
 *   neither side has a pixel of that subtype);
 * - per study the predicted and true total volume, and the median |Δ| in mL and in % (over
 *   studies with true blood).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { HEMORRHAGE_SUBTYPES } from '../../core/subtypes.js';
import { decodeSliceMask } from '../../synth/masks.js';
import type { HemorrhageSubtype } from './regions.js';

export interface MaskScores {
  slices: number;
  /** Pooled Dice of any blood, then per subtype. */
  dice: { any: number | null } & Record<HemorrhageSubtype, number | null>;
  studies: { studyInstanceUid: string; trueMl: number; predictedMl: number }[];
  /** Pixels: confusion[true subtype][predicted code] (0 = none, k = HEMORRHAGE_SUBTYPES[k − 1]), over true blood pixels. */
  confusion: number[][];
  /** Over studies with true blood. */
  medianAbsErrorMl: number | null;
  medianAbsErrorPct: number | null;
}

interface Tally {
  inter: number;
  pred: number;
  truth: number;
}

function median(v: number[]): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function dice(t: Tally): number | null {
  return t.pred + t.truth === 0 ? null : (2 * t.inter) / (t.pred + t.truth);
}

/** Accumulates slices and studies of one synthetic dataset folder (with masks/ and studies.json). */
export function createMaskScorer(dataset: string): {
  addSlice(imageId: string, labels: Uint8Array): boolean;
  addStudy(studyInstanceUid: string, predictedMl: number): void;
  result(): MaskScores;
} {
  const tallies: Tally[] = Array.from({ length: 6 }, () => ({ inter: 0, pred: 0, truth: 0 }));
  type Truth = { studyInstanceUid: string; bloodVolumeMl: Record<HemorrhageSubtype, number> };
  // whole synthetic studies list `studies`; lesions inserted into real series (`--insert-into`) list `series`, one study each
  const manifest = JSON.parse(readFileSync(join(dataset, 'studies.json'), 'utf8')) as { studies?: Truth[]; series?: Truth[] };
  const trueVolume = new Map((manifest.studies ?? manifest.series ?? []).map((s) => [s.studyInstanceUid, HEMORRHAGE_SUBTYPES.reduce((a, t) => a + s.bloodVolumeMl[t], 0)]));
  const studies: MaskScores['studies'] = [];
  const confusion = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0, 0]);
  let slices = 0;
  return {
    /** False when the slice has no ground-truth mask file. */
    addSlice(imageId, labels) {
      const file = join(dataset, 'masks', `${imageId}.mask.gz`);
      if (!existsSync(file)) return false;
      const truth = decodeSliceMask(readFileSync(file), file);
      if (truth.bits.length !== labels.length) return false;
      slices++;
      for (let i = 0; i < labels.length; i++) {
        const p = labels[i] as number;
        const t = truth.bits[i] as number;
        if (!p && !t) continue;
        const any = tallies[0] as Tally;
        if (p) any.pred++;
        if (t) any.truth++;
        if (p && t) any.inter++;
        for (let k = 0; k < 5; k++) {
          const tk = (t >> k) & 1;
          if (tk) (confusion[k] as number[])[p] = ((confusion[k] as number[])[p] as number) + 1;
          const pk = p === k + 1 ? 1 : 0;
          const tal = tallies[k + 1] as Tally;
          tal.pred += pk;
          tal.truth += tk;
          tal.inter += pk & tk;
        }
      }
      return true;
    },
    addStudy(studyInstanceUid, predictedMl) {
      const t = trueVolume.get(studyInstanceUid);
      if (t !== undefined) studies.push({ studyInstanceUid, trueMl: Math.round(t * 1000) / 1000, predictedMl });
    },
    result() {
      const bleeding = studies.filter((s) => s.trueMl > 0);
      return {
        slices,
        dice: { any: dice(tallies[0] as Tally), ...(Object.fromEntries(HEMORRHAGE_SUBTYPES.map((s, k) => [s, dice(tallies[k + 1] as Tally)])) as Record<HemorrhageSubtype, number | null>) },
        studies,
        confusion,
        medianAbsErrorMl: median(bleeding.map((s) => Math.abs(s.predictedMl - s.trueMl))),
        medianAbsErrorPct: median(bleeding.map((s) => (100 * Math.abs(s.predictedMl - s.trueMl)) / s.trueMl)),
      };
    },
  };
}

/**
 * Scores a prediction's label maps against the synthetic ground truth next to `dataDir` (the
 * folder itself or its parent holding studies.json and masks/); undefined where there is none.
 */
export function scoreFolderMasks(
  dataDir: string,
  localisation: { labelsOf: ReadonlyMap<string, { deflated: Buffer }>; volumeOf: ReadonlyMap<string, { total: number } | null> } | undefined,
): MaskScores | undefined {
  if (!localisation) return undefined;
  const root = [dataDir, dirname(dataDir)].find((d) => existsSync(join(d, 'studies.json')) && existsSync(join(d, 'masks')));
  if (!root) return undefined;
  const scorer = createMaskScorer(root);
  for (const [id, l] of localisation.labelsOf) scorer.addSlice(id, new Uint8Array(inflateSync(l.deflated)));
  for (const [study, v] of localisation.volumeOf) scorer.addStudy(study, v?.total ?? 0);
  const r = scorer.result();
  return r.slices > 0 ? r : undefined;
}
