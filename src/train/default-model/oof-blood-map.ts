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
import { joinSecondMap, openBloodMap, type EmbeddedDataset, type EmbeddedSeries } from './embed-dataset.js';
import { embedHuCached, type HuEmbedOptions } from './embed-cached.js';

/**
 * `base` with each series taken from `perFold[fold of its patient]` (same folder, seed and variants).
 * `fold`: patient → fold; default the folds of `base` itself (rsna-dev). A folder of lesions inserted
 * into rsna-dev patients passes rsna-dev's folds, since its own positives would balance them differently.
 */
export function combineOutOfFold(base: EmbeddedDataset, perFold: readonly EmbeddedDataset[], fold: ReadonlyMap<string, number> = assignFolds(base.series, perFold.length)): EmbeddedDataset {
  const missing = base.series.find((s) => !fold.has(s.group));
  if (missing) throw ichError('ICH_E_INTERNAL', `series ${missing.seriesInstanceUid} of ${base.name} belongs to patient ${missing.group}, who is in no CV fold`);
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

/**
 * HU + first-map features of a folder (`first`: blood.onnx), joined to the second map's features
 * out of fold: each patient's from the localiser of its fold (`foldFiles[k]`). Cached per map file.
 */
export async function embedSecondMapOutOfFold(cacheDir: string, name: string, images: string, labels: string, first: HuEmbedOptions, foldFiles: readonly string[], fold?: ReadonlyMap<string, number>): Promise<EmbeddedDataset> {
  const perFold: EmbeddedDataset[] = [];
  for (const f of foldFiles) {
    const blood = await openBloodMap(f, 'localiser');
    perFold.push(await embedHuCached(cacheDir, name, images, labels, { ...first, blood, bloodFile: f }));
    await blood.engine.dispose();
  }
  const base = await embedHuCached(cacheDir, name, images, labels, first);
  return joinSecondMap(base, combineOutOfFold(base, perFold, fold));
}
