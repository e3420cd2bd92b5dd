/**
 * A predicted study → the writer's input (types.ts): the verdict's series with its label maps,
 * volumes, z extent and key images (already rendered with the overlay burned in). Key images go
 * out only for a positive study; a negative one gets its SR alone.
 * A subtype is reported present when the classifier says so or, in a positive study, the masks
 * hold blood of it (its volume > 0): the SR never calls a subtype absent beside its own volume.
 */
import type { KeyImageRender, LocalisedSeries, StudyPrediction } from '../infer/predict.js';
import { HEMORRHAGE_SUBTYPES } from '../core/subtypes.js';
import type { HemorrhageSubtype } from '../infer/localise/regions.js';
import type { VolumeRecord } from '../infer/localise/volume.js';
import type { ResultStudy } from './types.js';

export interface ModelIdentity {
  name: string;
  version: string;
}

/**
 * The subtypes to report present: the classifier's plus those the masks located, for a positive
 * verdict only (a negative study reports none); largest volume first, then by probability.
 */
export function mergePresentSubtypes(
  v: StudyPrediction['verdict'],
  located: readonly HemorrhageSubtype[],
  vol: VolumeRecord | null | undefined,
): HemorrhageSubtype[] {
  if (!v.positive) return [];
  const all = HEMORRHAGE_SUBTYPES.filter((s) => v.subtypesPresent.includes(s) || located.includes(s));
  return all.sort((a, b) => (vol ? vol[b] - vol[a] : 0) || v.probabilities[b] - v.probabilities[a]);
}

/** The classifier's present subtypes plus those the masks located (positive studies only). */
export function presentSubtypes(top: LocalisedSeries): HemorrhageSubtype[] {
  return mergePresentSubtypes(top.prediction.verdict, top.localisation.subtypesLocated, top.localisation.volumeMl);
}

export function toResultStudy(study: StudyPrediction, top: LocalisedSeries, keyImages: readonly KeyImageRender[], model: ModelIdentity): ResultStudy {
  const loc = top.localisation;
  const z = loc.zExtent;
  const empty = { total: 0, epidural: 0, intraparenchymal: 0, intraventricular: 0, subarachnoid: 0, subdural: 0 };
  return {
    studyInstanceUid: study.studyInstanceUid,
    seriesInstanceUid: top.prediction.seriesInstanceUid,
    slices: top.prediction.slices.map((sl, i) => {
      const [rows, columns] = loc.shapes[i] as [number, number];
      return { file: sl.file, frame: sl.frame, rows, columns, labels: loc.labels[i] as Uint8Array, probabilities: sl.probabilities };
    }),
    verdict: { ...top.prediction.verdict, subtypesPresent: presentSubtypes(top) },
    volumeMl: loc.volumeMl ?? empty,
    zExtentMm: z && z.fromMm !== null && z.toMm !== null ? { from: z.fromMm, to: z.toMm } : null,
    keyImages: study.verdict.positive ? keyImages.map((k) => ({ sliceIndex: k.sliceIndex, rgb: k.rgb })) : [],
    model: { name: model.name, version: model.version },
    ...(study.warnings.length ? { warnings: study.warnings } : {}),
  };
}
