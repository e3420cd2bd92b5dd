/**
 * One predicted study → its DICOM results on disk: the single path `predict --dicom-out` and
 * `ichscan serve` both take (prediction → ResultStudy → writer), so the two never drift apart.
 * Key images are rendered by the caller (`renderKeyOverlays`), because predict also writes them
 * as PNG overlays.
 */
import { basename } from 'node:path';
import type { KeyImageRender, LocalisedSeries, StudyPrediction } from '../infer/predict.js';
import { toResultStudy, type ModelIdentity } from './from-prediction.js';
import { writeDicomResults } from './write-results.js';
import type { DicomResultOptions, DicomResults } from './types.js';

/** The model as the results name it: `ichscan <folder name>` and the card's creation time as version. */
export function resultModelIdentity(modelDir: string, created: string): ModelIdentity {
  return { name: `ichscan ${basename(modelDir)}`, version: created };
}

/** Writes the SR, SEG, key images and KOS of one study (see docs/dicom-results.md). */
export async function writeStudyDicomResults(study: StudyPrediction, top: LocalisedSeries, keys: readonly KeyImageRender[], model: ModelIdentity, opts: DicomResultOptions): Promise<DicomResults> {
  return writeDicomResults(toResultStudy(study, top, keys, model), opts);
}
