/**
 * Out-of-fold blood-map features for rsna-dev (stacking). When the blood map is the localiser,
 * trained on lesions inserted into rsna-dev's own negative slices, its map on those slices is
 * cleaner than on a patient it never saw, and a head fitted on them would trust it too much. So each
 * patient's features come from a localiser trained without that patient's CV fold (`--blood-map-fold
 * <file>`, one per fold, in fold order; folds from assignFolds, as the CV uses them), and the shipped
 * localiser, which never saw a patient it is run on later, gives features like those.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ichError } from '../../core/errors.js';
import { assignFolds } from './cross-validate.js';
import type { EmbeddedDataset, EmbeddedSeries } from './embed-dataset.js';

/** `base` with each series taken from `perFold[fold of its patient]` (same folder, seed and variants). */
export function combineOutOfFold(base: EmbeddedDataset, perFold: readonly EmbeddedDataset[]): EmbeddedDataset {
  const fold = assignFolds(base.series, perFold.length);
  const byUid = perFold.map((d) => new Map(d.series.map((s) => [s.seriesInstanceUid, s])));
  return {
    name: `${base.name}-oof`,
    features: base.features,
    series: base.series.map((s) => {
      const k = fold.get(s.group) as number;
      const t = byUid[k]?.get(s.seriesInstanceUid);
      const d = perFold[k] as EmbeddedDataset;
      if (!t || d.features !== base.features || t.imageIds.join() !== s.imageIds.join() || t.variants.length !== s.variants.length) {
        throw ichError('ICH_E_INTERNAL', `fold ${k}'s embedding of series ${s.seriesInstanceUid} does not line up with the base embedding`);
      }
      return t;
    }),
  };
}

/** What the card records of the fold localisers: per fold the file, the patients it never saw, and its training run (from `<file>.json` of train-seg-map.js, where present). */
export function describeFoldLocalisers(series: readonly EmbeddedSeries[], files: readonly string[]): Record<string, unknown> {
  const fold = assignFolds(series, files.length);
  return {
    method: 'stacking: each rsna-dev patient\'s blood-map features come from the localiser trained without its CV fold (src/train/default-model/oof-blood-map.ts); synthetic rows and inference use the shipped localiser',
    perFold: files.map((f, k) => {
      const run = existsSync(`${f}.json`) ? (JSON.parse(readFileSync(`${f}.json`, 'utf8')) as Record<string, unknown>) : {};
      const losses = Array.isArray(run['validationLossByStep']) ? (run['validationLossByStep'] as unknown[]) : [];
      return {
        file: basename(f),
        heldOutPatients: [...fold].filter(([, j]) => j === k).map(([g]) => g).sort(),
        ...Object.fromEntries(['trainingSlices', 'trainingSlicesWithBlood', 'steps', 'batch', 'learningRate', 'lrDecayStep', 'secondsThisRun'].filter((key) => key in run).map((key) => [key, run[key]])),
        ...(losses.length ? { lastValidationLoss: losses[losses.length - 1] } : {}),
      };
    }),
  };
}
