/**
 * One source series → its output: decode every slice (a slice that fails gets its coded error and
 * is left out; the rest of the series goes on), find each slice's anatomy, plan the series' lesions
 * (seeded by the dataset seed and the source SeriesInstanceUID only, so any order or a resume gives
 * the same result), then per slice rasterise, composite and write the DICOM and the mask
 * atomically. Returns the series' record, which the caller commits.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../core/atomic-write.js';
import { toIchError } from '../../core/errors.js';
import { createRng, hashString } from '../../core/random.js';
import type { Subtype } from '../../core/subtypes.js';
import { computeHu, decodeDicom, type DecodedDicom } from '../../dicom/index.js';
import { deriveImageId, deriveUid, mixSeed } from '../ids.js';
import { countMaskBits, encodeSliceMask } from '../masks.js';
import { bloodPixelsFromCounts, labelsFromCounts, summariseStudy, type SliceRecord } from '../records.js';
import type { SubtypeRecord } from '../types.js';
import { findSliceAnatomy, type SliceAnatomy } from './anatomy.js';
import { compositeLesions, type LesionLayer } from './composite.js';
import { extentOf, planSeriesLesions } from './lesion-plan.js';
import { rasteriseLesion, rasteriseOedema } from './lesion-shapes.js';
import type { Lesion } from './lesion-types.js';
import { seriesAxes, sliceFrame } from './slice-frame.js';
import type { InputFailure, SourceSeries, SourceSlice } from './source-series.js';
import { storedPixels, writeInsertedSlice } from './write-slice.js';

/** Key that keeps inserted image ids apart from `synth`'s for the same seed. */
const IMAGE_ID_KEY = 0x15e7;
/** Series up to this many slices keep every slice's anatomy between planning and rendering. */
const CACHE_SLICES = 64;

export interface InsertSliceRecord extends SliceRecord {
  /** Source file, relative to the input folder. */
  source: string;
}

export interface InsertSeriesRecord {
  index: number;
  patientId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  source: { studyInstanceUid: string; seriesInstanceUid: string };
  /** [row, column] spacing, mm; slice thickness and spacing between slices, mm. */
  pixelSpacing: [number, number];
  sliceThickness: number;
  sliceSpacing: number;
  labels: Record<Subtype, 0 | 1>;
  /** mL = mask voxels × row × column spacing × slice spacing / 1000. */
  bloodVolumeMl: SubtypeRecord<number>;
  slices: InsertSliceRecord[];
  /** What was drawn (numbers rounded; s in mm along the slice normal). The masks are the truth. */
  lesions: Record<string, unknown>[];
  /** Index range of the brain slices the lesions were confined to; undefined when none were found. */
  brainSlices: [number, number] | undefined;
  failures: InputFailure[];
}

export interface InsertSeriesOptions {
  out: string;
  seed: number;
  perSliceProb: number;
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function describe(l: Lesion): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(l)) {
    if (key === 'noiseSeed') continue;
    out[key] = typeof value === 'number' ? (Number.isFinite(value) ? round(value, 2) : null) : Array.isArray(value) ? value.map((v: number) => round(v, 2)) : value;
  }
  const [lo, hi] = extentOf(l);
  out['sFrom'] = round(Math.max(lo, l.sMin), 2);
  out['sTo'] = round(Math.min(hi, l.sMax), 2);
  return out;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((p, q) => p - q);
  return s[s.length >> 1];
}

function studyDateFor(seed: number, sourceStudy: string): { date: string; time: string } {
  const h = mixSeed(seed, hashString(sourceStudy), 0xda7e);
  const d = new Date(Date.UTC(2019, 0, 1) + (h % 1460) * 86400000);
  const date = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  const t = mixSeed(h, 1);
  return { date, time: `${String(7 + (t % 14)).padStart(2, '0')}${String((t >>> 8) % 60).padStart(2, '0')}${String((t >>> 16) % 60).padStart(2, '0')}` };
}

/** Inserts lesions into series number `index`; `onSlice` ticks after each slice written (or left out). */
export async function insertSeries(o: InsertSeriesOptions, index: number, series: SourceSeries, onSlice?: () => void): Promise<InsertSeriesRecord> {
  const failures: InputFailure[] = [];
  const kept: { slice: SourceSlice; decoded: DecodedDicom }[] = [];
  for (const slice of series.slices) {
    try {
      kept.push({ slice, decoded: await decodeDicom(readFileSync(slice.path), slice.file) });
    } catch (e) {
      const err = toIchError(e, 'ICH_E_DECODE', slice.file);
      failures.push({ file: slice.file, code: err.code, message: err.message });
      onSlice?.();
    }
  }
  const first = kept[0];
  const axes = seriesAxes(first ? first.decoded.meta : { imageOrientationPatient: undefined });
  const positions = kept.map((k) => k.slice.s);
  const sliceSpacing = median(positions.slice(1).map((s, i) => s - (positions[i] as number))) ?? first?.decoded.meta.sliceThickness ?? 5;
  const thickness = first?.decoded.meta.sliceThickness ?? sliceSpacing;
  // Anatomy is the costly step (≈ 40 ms a 512² slice): kept for series of up to CACHE_SLICES
  // slices (≈ 4 MB each), recomputed for longer (thin-slice) ones.
  const cache = new Map<number, SliceAnatomy>();
  const anatomyAt = (k: number): SliceAnatomy => {
    const hit = cache.get(k);
    if (hit) return hit;
    const { decoded } = kept[k] as { decoded: DecodedDicom };
    const anat = findSliceAnatomy(computeHu(decoded.raw, decoded.meta, { rsna12BitFix: true, padToAir: true }), sliceFrame(decoded.meta, axes));
    if (kept.length <= CACHE_SLICES) cache.set(k, anat);
    return anat;
  };
  const summaries = kept.map((_, k) => anatomyAt(k).summary);
  const rng = createRng(mixSeed(o.seed, hashString(series.seriesInstanceUid), 0x1e51));
  const plan = planSeriesLesions(rng, { summaries, positions, thickness, anatomyAt, perSliceProb: o.perSliceProb, gravity: axes.gravity });

  const uid = (kind: string, source: string): string => deriveUid(o.seed, `insert/${kind}/${source}`);
  const studyUid = uid('study', series.studyInstanceUid);
  const seriesUid = uid('series', series.seriesInstanceUid);
  const forUid = uid('frame-of-reference', series.seriesInstanceUid);
  const patientId = series.patientId ?? `INSERT_${index}`;
  const when = studyDateFor(o.seed, series.studyInstanceUid);
  const slices: InsertSliceRecord[] = [];
  for (const [k, { slice, decoded }] of kept.entries()) {
    const anat = anatomyAt(k);
    const layers: LesionLayer[] = [];
    if (plan.head) {
      for (const lesion of plan.lesions) {
        const alpha = rasteriseLesion(lesion, anat, plan.head, thickness);
        if (alpha) layers.push({ lesion, alpha, oedema: rasteriseOedema(lesion, anat, thickness) });
      }
    }
    const comp = compositeLesions(anat, layers, createRng(mixSeed(o.seed, hashString(series.seriesInstanceUid), k, 0x5e)));
    const imageId = deriveImageId(mixSeed(o.seed, IMAGE_ID_KEY), index, k);
    const sopInstanceUid = uid('sop', decoded.meta.sopInstanceUid || slice.file);
    const pixels = storedPixels(decoded.meta, decoded.raw, comp.hu, comp.changed);
    const dicom = writeInsertedSlice(
      decoded.meta,
      { patientId, studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, frameOfReferenceUid: forUid, sopInstanceUid, studyDate: when.date, studyTime: when.time, instanceNumber: k + 1, accessionNumber: `INS${String(index + 1).padStart(7, '0')}` },
      pixels,
      thickness,
    );
    writeFileAtomicSync(join(o.out, 'images', `${imageId}.dcm`), dicom);
    writeFileAtomicSync(join(o.out, 'masks', `${imageId}.mask.gz`), encodeSliceMask({ rows: anat.frame.rows, columns: anat.frame.cols, bits: comp.mask }));
    const counts = countMaskBits(comp.mask);
    slices.push({
      imageId,
      sopInstanceUid,
      instanceNumber: k + 1,
      z: decoded.meta.imagePositionPatient?.[2] ?? slice.s,
      labels: labelsFromCounts(counts),
      bloodPixels: bloodPixelsFromCounts(counts),
      source: slice.file,
    });
    onSlice?.();
  }
  const spacing = first?.decoded.meta.pixelSpacing ?? [1, 1];
  const { labels, bloodVolumeMl } = summariseStudy(slices, Math.sqrt(spacing[0] * spacing[1]), sliceSpacing);
  return {
    index,
    patientId,
    studyInstanceUid: studyUid,
    seriesInstanceUid: seriesUid,
    source: { studyInstanceUid: series.studyInstanceUid, seriesInstanceUid: series.seriesInstanceUid },
    pixelSpacing: [spacing[0], spacing[1]],
    sliceThickness: thickness,
    sliceSpacing: round(sliceSpacing, 4),
    labels,
    bloodVolumeMl,
    slices,
    lesions: plan.lesions.map(describe),
    brainSlices: plan.run,
    failures,
  };
}
