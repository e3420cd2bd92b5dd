/**
 * Image-level predictions for a folder (what `submit` writes and `evaluate --model` scores):
 * every slice's six probabilities keyed by Kaggle image id, with its study and file.
 */
import { deflateSync } from 'node:zlib';
import { ichError } from '../core/errors.js';
import { sliceImageId } from './localise/write-outputs.js';
import type { VolumeRecord } from './localise/volume.js';
import { SUBTYPES } from '../core/subtypes.js';
import type { FileFailure } from '../data/collect-series.js';
import { planPrediction, predictPlanned, type PredictOptions } from './predict.js';
import { imageIdOf } from '../data/collect-series.js';
import type { SeriesScorer } from './scorer.js';
import type { ImagePredictions } from '../data/submission.js';

export interface FolderPredictions extends ImagePredictions {
  studyOfImage: Map<string, string>;
  fileOfImage: Map<string, string>;
  failures: FileFailure[];
  /** Files that are DICOM-named images (`ID_<hex>.dcm`) but could not be scored. */
  failedImageIds: string[];
  /** With `localise`: each slice's label map (deflated bytes, source Rows × Columns) and each study's volume. */
  localisation?: { labelsOf: Map<string, { rows: number; columns: number; deflated: Buffer }>; volumeOf: Map<string, VolumeRecord | null> };
}

const K = SUBTYPES.length;

/** Scores every slice under `inputs`. Throws ICH_E_INTERNAL when two slices share an image id. */
export async function predictImages(scorer: SeriesScorer, inputs: readonly string[], cwd: string, opts: PredictOptions & { onPlanned?: (slices: number) => void } = {}): Promise<FolderPredictions> {
  const plan = planPrediction(inputs, cwd, opts.onHeader);
  opts.onPlanned?.(plan.series.reduce((n, s) => n + s.slices.length, 0));
  // label maps are kept deflated (an empty 512² map is ~0.3 kB), so a large folder fits in memory
  const labelsOf = new Map<string, { rows: number; columns: number; deflated: Buffer }>();
  const studies = await predictPlanned(scorer, plan.series, plan.failures, {
    ...opts,
    ...(opts.localise
      ? {
          onSeriesLocalised: async (s) => {
            s.prediction.slices.forEach((sl, i) => {
              const [rows, columns] = s.localisation.shapes[i] as [number, number];
              labelsOf.set(sliceImageId(sl), { rows, columns, deflated: deflateSync(s.localisation.labels[i] as Uint8Array) });
            });
            await opts.onSeriesLocalised?.(s);
          },
        }
      : {}),
  });
  const imageIds: string[] = [];
  const probs: number[] = [];
  const studyOfImage = new Map<string, string>();
  const fileOfImage = new Map<string, string>();
  for (const st of studies)
    for (const se of st.series)
      for (const sl of se.slices) {
        const id = sl.frame === 0 ? imageIdOf(sl) : `${imageIdOf(sl)}#${sl.frame}`;
        if (studyOfImage.has(id)) throw ichError('ICH_E_INTERNAL', `two slices have image id ${id} (${fileOfImage.get(id) ?? '?'} and ${sl.file})`);
        imageIds.push(id);
        for (const s of SUBTYPES) probs.push(sl.probabilities[s]);
        studyOfImage.set(id, st.studyInstanceUid);
        fileOfImage.set(id, sl.file);
      }
  const failedImageIds = plan.failures.map((f) => f.file.split('/').pop()?.replace(/\.dcm$/i, '') ?? '').filter((b) => /^ID_[0-9a-fA-F]+$/.test(b) && !studyOfImage.has(b));
  const localisation = opts.localise ? { labelsOf, volumeOf: new Map(studies.map((st) => [st.studyInstanceUid, st.volumeMl ?? null])) } : undefined;
  return { imageIds, probabilities: Float32Array.from(probs), studyOfImage, fileOfImage, failures: plan.failures, failedImageIds, ...(localisation ? { localisation } : {}) };
}

/**
 * Adds rows for images that could not be scored, so a submission lists every test image: each
 * gets the mean prediction of the scored images (the least-wrong constant), and is reported.
 */
export function fillFailedImages(p: FolderPredictions): ImagePredictions {
  if (p.failedImageIds.length === 0) return p;
  const n = p.imageIds.length;
  const mean = new Float32Array(K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) mean[k] = (mean[k] as number) + (p.probabilities[i * K + k] as number) / Math.max(1, n);
  const probabilities = new Float32Array((n + p.failedImageIds.length) * K);
  probabilities.set(p.probabilities);
  p.failedImageIds.forEach((_, j) => probabilities.set(n ? mean : new Float32Array(K).fill(0.5), (n + j) * K));
  return { imageIds: [...p.imageIds, ...p.failedImageIds], probabilities };
}
