/**
 * Writers of `predict --masks-out DIR` and `--overlays DIR`:
 * - masks: `DIR/<imageId>.png` for every scored slice, 8-bit grey at the source's Rows × Columns,
 *   255 = hemorrhage, 0 elsewhere (empty slices too);
 * - overlays: `DIR/<imageId>.png` for each study's key images (overlay.ts).
 * A folder that already holds files is refused without `force` (nothing the user has is
 * overwritten); every file is written under a temporary name and renamed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../core/atomic-write.js';
import { ichError } from '../../core/errors.js';
import type { Image } from '../../core/tensor.js';
import { decodeDicom } from '../../dicom/index.js';
import { encodePng } from '../../preprocess/index.js';
import { computeSourceHu, type KeyImageRender, type LocalisedSeries, type StudyPrediction } from '../predict.js';
import { imageIdOf } from '../../data/collect-series.js';
import { overlayWarningLines, renderOverlay } from './overlay.js';

/** Kaggle-style image id of a slice, `#<frame>` appended for frames after the first (as submissions do). */
export function sliceImageId(slice: { file: string; sopInstanceUid: string; frame: number }): string {
  return slice.frame === 0 ? imageIdOf(slice) : `${imageIdOf(slice)}#${slice.frame}`;
}

/** Creates `dir`, refusing one that holds files unless `force`. */
export function prepareOutputDir(dir: string, force: boolean): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !force) throw ichError('ICH_E_OUTPUT_EXISTS', 'output folder is not empty (use --force to overwrite its files)', { file: dir });
  mkdirSync(dir, { recursive: true });
}

/** 0/255 grey image of a label map (any subtype → 255). */
export function labelsToMaskImage(labels: Uint8Array, rows: number, columns: number): Image<'uint8'> {
  const data = new Uint8Array(rows * columns);
  for (let i = 0; i < data.length; i++) data[i] = labels[i] ? 255 : 0;
  return { dtype: 'uint8', data, shape: [rows, columns, 1] };
}

/** Writes every slice's mask PNG of a localised series. Returns the paths written. */
export function writeSeriesMasks(dir: string, s: LocalisedSeries): string[] {
  return s.prediction.slices.map((sl, i) => {
    const [rows, columns] = s.localisation.shapes[i] as [number, number];
    const path = join(dir, `${sliceImageId(sl)}.png`);
    writeFileAtomicSync(path, encodePng(labelsToMaskImage(s.localisation.labels[i] as Uint8Array, rows, columns)));
    return path;
  });
}

/** The overlay images of a study's key slices (decoded again from their files: only 1–2 per study). */
export async function renderKeyOverlays(study: StudyPrediction, top: LocalisedSeries, model: string): Promise<KeyImageRender[]> {
  const out: KeyImageRender[] = [];
  const n = top.prediction.slices.length;
  for (const k of top.localisation.keyImages) {
    const sl = top.prediction.slices[k.index];
    const ref = top.refs[k.index];
    if (!sl || !ref) continue;
    const decoded = await decodeDicom(readFileSync(ref.file), ref.file);
    const hu = computeSourceHu(decoded, ref.frame);
    const z = sl.z === null ? '' : `  z ${sl.z.toFixed(1)} mm`;
    const rgb = renderOverlay(hu, top.localisation.labels[k.index] as Uint8Array, {
      position: `slice ${k.index + 1}/${n}${z}`,
      anyProbability: sl.probabilities.any,
      volumeMl: study.volumeMl ?? null,
      model,
      warning: overlayWarningLines(top.prediction),
    });
    out.push({ sliceIndex: k.index, imageId: sliceImageId(sl), rgb });
  }
  return out;
}
