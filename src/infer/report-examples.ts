/**
 * Example slices for the evaluation report: the most confident true positives, the missed
 * positives, the strongest false alarms and a confident negative, rendered in the brain window
 * as PNG data URIs (through the same preprocessing pipeline as the model, at 192 px).
 */
import { readFileSync } from 'node:fs';
import { SUBTYPES } from '../core/subtypes.js';
import { WINDOW_PRESETS } from '../core/windows.js';
import { inflateSync } from 'node:zlib';
import { decodeDicom } from '../dicom/index.js';
import { encodePng, preprocessDecoded } from '../preprocess/index.js';
import { renderOverlay } from './localise/overlay.js';
import { computeSourceHu } from './predict.js';
import type { FolderPredictions } from './predict-images.js';
import type { MatchedSet } from './evaluate.js';
import type { ExampleSlice } from './report-html.js';

const K = SUBTYPES.length;
const ANY = K - 1;

/**
 * Picks up to `perKind` slices of each kind and renders those whose file is known; with the
 * prediction's label maps (`localisation`), as overlays with the bleed outlined.
 */
export async function buildExampleSlices(m: MatchedSet, fileOfImage: ReadonlyMap<string, string>, threshold: number, perKind = 2, localisation?: FolderPredictions['localisation']): Promise<ExampleSlice[]> {
  const rows = m.imageIds.map((id, i) => ({ id, i, p: m.pred[i * K + ANY] as number, y: m.target[i * K + ANY] as number }));
  const pos = rows.filter((r) => r.y > 0.5);
  const neg = rows.filter((r) => r.y <= 0.5);
  const byP = (a: { p: number }, b: { p: number }): number => b.p - a.p;
  const picks: { kind: string; r: (typeof rows)[number] }[] = [
    ...[...pos].sort(byP).filter((r) => r.p >= threshold).slice(0, perKind).map((r) => ({ kind: 'true positive', r })),
    ...[...pos].sort(byP).reverse().filter((r) => r.p < threshold).slice(0, perKind).map((r) => ({ kind: 'missed (false negative)', r })),
    ...[...neg].sort(byP).filter((r) => r.p >= threshold).slice(0, perKind).map((r) => ({ kind: 'false positive', r })),
    ...[...neg].sort(byP).reverse().slice(0, 1).map((r) => ({ kind: 'true negative', r })),
  ];
  const out: ExampleSlice[] = [];
  for (const { kind, r } of picks) {
    const file = fileOfImage.get(r.id);
    if (!file) continue;
    try {
      const decoded = await decodeDicom(readFileSync(file), file);
      const lab = localisation?.labelsOf.get(r.id);
      const img = lab
        ? renderOverlay(computeSourceHu(decoded, 0), new Uint8Array(inflateSync(lab.deflated)), { position: kind, anyProbability: r.p, volumeMl: null, model: 'ichscan' })
        : preprocessDecoded(decoded, { size: 192, windows: [WINDOW_PRESETS.brain], dtype: 'uint8' });
      const probabilities = Object.fromEntries(SUBTYPES.map((s, k) => [s, m.pred[r.i * K + k] as number]));
      const labels = Object.fromEntries(SUBTYPES.map((s, k) => [s, m.target[r.i * K + k] as number]));
      out.push({ imageId: r.id, kind, pngDataUri: `data:image/png;base64,${encodePng(img).toString('base64')}`, probabilities, labels });
    } catch {
      // a slice that cannot be rendered is simply not shown
    }
  }
  return out;
}
