/**
 * Localisation of one scored series: per slice a subtype label map at the source's Rows × Columns
 * (bleed-mask.ts, regions.ts), and for the series its bleed volume per subtype, ABC/2, z extent
 * and key slices (volume.ts). A series whose verdict is negative gets empty maps and volume 0:
 * the picture agrees with the verdict a person reads beside it.
 */
import { HEMORRHAGE_SUBTYPES, type Subtype } from '../../core/subtypes.js';
import type { Image, Plane } from '../../core/tensor.js';
import type { WindowPreset } from '../../core/windows.js';
import { computeSliceCavity } from '../../model/features/cavity.js';
import type { Verdict } from '../verdict.js';
import { computeBleedMask, growCavity, type BleedMaskParams } from './bleed-mask.js';
import { largestComponent } from '../../preprocess/morphology.js';
import { computeEdgeDistance, labelRegions, type HemorrhageSubtype } from './regions.js';
import { anyChannelOf, type LocaliserParams, type SubtypeMap } from './subtype-map.js';
import { computeAbcOver2Ml, computeSliceSlabs, computeVolumeMl, countLabelPixels, measureDiameters, type VolumeRecord } from './volume.js';

/** Slab thickness assumed when a series has neither positions nor SliceThickness (RSNA's usual 5 mm). */
export const FALLBACK_SLAB_MM = 5;

export interface LocaliseSliceInput {
  /** The source's Rows × Columns. */
  rows: number;
  columns: number;
  /** HU at source resolution, [rows, columns]; asked for only in a positive series (most are not). */
  readHu: () => Plane;
  /** The model's input image of the slice (its windows as channels). */
  image: Image<'uint8'>;
  /** [row, column] spacing, mm; undefined when the header has none. */
  pixelSpacing: [number, number] | undefined;
  sliceThickness: number | undefined;
  z: number | null;
  probabilities: Record<Subtype, number>;
}

export interface KeyImage {
  index: number;
  /** Why it is key: the largest bleed area and/or the highest P(any). */
  reasons: ('largest-area' | 'highest-probability')[];
  areaMm2: number;
  any: number;
  z: number | null;
}

export interface SeriesLocalisation {
  /** 'localiser+hu': the stride-2 subtype localiser's map ∧ HU range ∧ cavity, subtypes from its channels (or the rule);
   * 'segmenter+hu': the stride-4 blood map ∧ HU range ∧ cavity; 'hu-threshold': HU range ∧ cavity (no segmenter in the model). */
  method: 'localiser+hu' | 'segmenter+hu' | 'hu-threshold';
  /** Per slice: label map rows·columns (0 none, k → HEMORRHAGE_SUBTYPES[k − 1]). */
  labels: Uint8Array[];
  shapes: [rows: number, columns: number][];
  /** Bleed area per slice, mm² (0 where spacing is unknown). */
  areaMm2: number[];
  /** null when the series has no PixelSpacing. */
  volumeMl: VolumeRecord | null;
  abcOver2Ml: number | null;
  /** Slab thickness each slice stands for, mm. */
  slabsMm: number[];
  /** First and last slice with blood: positions along the normal (mm) and indices; null without blood. */
  zExtent: { fromIndex: number; toIndex: number; fromMm: number | null; toMm: number | null; lengthMm: number } | null;
  keyImages: KeyImage[];
  /** Study-level presence per subtype from the maps: subtypes with any labelled pixel. */
  subtypesLocated: HemorrhageSubtype[];
}

export interface LocaliseOptions {
  windows: readonly WindowPreset[];
  params: BleedMaskParams;
  /** The localiser's maps (per slice; undefined where it was not run: those slices fall back to the stride-4 map). */
  localiser?: { maps: readonly (SubtypeMap | undefined)[]; params: LocaliserParams };
  /** Draw masks in a negative series too (measurement of the masks apart from the verdict; never in predict). */
  ignoreVerdict?: boolean;
}

/** The largest connected region (8-connected) of a label map, as a 0/1 mask, with its subtype code. */
function largestRegion(labels: Uint8Array, w: number, h: number): { mask: Uint8Array; code: number } {
  const bin = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) bin[i] = labels[i] ? 1 : 0;
  const mask = largestComponent(bin, h, w, 8);
  const at = mask.indexOf(1);
  return { mask, code: at < 0 ? 0 : (labels[at] as number) };
}

export function localiseSeries(slices: readonly LocaliseSliceInput[], maps: readonly Plane[] | undefined, verdict: Verdict, o: LocaliseOptions): SeriesLocalisation {
  const first = slices[0];
  const spacing = first?.pixelSpacing;
  const slabs = computeSliceSlabs(
    slices.map((s) => s.z),
    first?.sliceThickness ?? FALLBACK_SLAB_MM,
  );
  const labels = slices.map((s, i) => {
    const { rows, columns } = s;
    if (!verdict.positive && !o.ignoreVerdict) return new Uint8Array(rows * columns);
    const fine = o.localiser?.maps[i];
    // gated out (the stride-4 map stayed under the gate, so its own mask would be empty too)
    if (o.localiser && !fine) return new Uint8Array(rows * columns);
    const map = fine ? anyChannelOf(fine) : maps?.[i];
    const mapThreshold = fine && o.localiser ? o.localiser.params.threshold : o.params.mapThreshold;
    // a map that stays under its threshold everywhere gives an empty mask (its bilinear samples cannot
    // exceed its maximum): skip the HU, cavity and mask work (most gated slices of a real series)
    if (map && !map.data.some((v) => v >= mapThreshold)) return new Uint8Array(rows * columns);
    const hu = s.readHu();
    const cav = computeSliceCavity(s.image, o.windows);
    const grown = growCavity(cav, o.params.cavityGrowPx);
    const mask = computeBleedMask(hu, { mask: grown, w: cav.w, h: cav.h }, map, { ...o.params, mapThreshold });
    if (!mask.includes(1)) return mask; // most slices of a bleeding series: no regions to type
    const sp = s.pixelSpacing ?? [1, 1];
    return labelRegions({
      mask,
      rows,
      columns,
      edgeDistance: computeEdgeDistance(grown, cav.w, cav.h),
      cavityW: cav.w,
      cavityH: cav.h,
      mmPerCavityPx: ((sp[0] * rows) / cav.h + (sp[1] * columns) / cav.w) / 2,
      pixelAreaMm2: sp[0] * sp[1],
      minAreaMm2: s.pixelSpacing ? o.params.minAreaMm2 : 0,
      hu: hu.data,
      ...(fine && o.localiser && o.localiser.params.subtypes !== 'rule' ? { subtypeMap: fine, subtypeMode: o.localiser.params.subtypes } : {}),
    });
  });
  const counts = labels.map(countLabelPixels);
  const pixelArea = spacing ? spacing[0] * spacing[1] : 0;
  const areaMm2 = counts.map((c) => c.reduce((a, b) => a + b, 0) * pixelArea);
  const withBlood = counts.map((c, i) => (c.some((v) => v > 0) ? i : -1)).filter((i) => i >= 0);
  const from = withBlood[0];
  const to = withBlood[withBlood.length - 1];
  const bloodSlabMm = withBlood.reduce((a, i) => a + (slabs[i] as number), 0);
  const zExtent =
    from === undefined || to === undefined
      ? null
      : { fromIndex: from, toIndex: to, fromMm: slices[from]?.z ?? null, toMm: slices[to]?.z ?? null, lengthMm: bloodSlabMm };
  let abc: number | null = null;
  let largest = -1;
  if (spacing) {
    largest = areaMm2.reduce((b, a, i) => (a > (areaMm2[b] ?? 0) ? i : b), 0);
    if ((areaMm2[largest] as number) <= 0) largest = -1;
    if (largest >= 0) {
      // ABC/2 of the largest region on the largest slice; C spans the slices holding its subtype
      const { rows, columns } = slices[largest] as LocaliseSliceInput;
      const region = largestRegion(labels[largest] as Uint8Array, columns, rows);
      const code = region.code;
      const d = measureDiameters(region.mask, rows, columns, spacing);
      const c = counts.reduce((a, cnt, i) => a + ((cnt[code - 1] as number) > 0 ? (slabs[i] as number) : 0), 0);
      abc = computeAbcOver2Ml(d.a, d.b, c);
    } else abc = 0;
  }
  const top = slices.reduce((b, s, i) => (s.probabilities.any > (slices[b] as LocaliseSliceInput).probabilities.any ? i : b), 0);
  const keyIdx = [...new Set([largest, top].filter((i) => i >= 0))];
  const keyImages: KeyImage[] = keyIdx.map((i) => ({
    index: i,
    reasons: [...(i === largest ? (['largest-area'] as const) : []), ...(i === top ? (['highest-probability'] as const) : [])],
    areaMm2: Math.round((areaMm2[i] as number) * 10) / 10,
    any: (slices[i] as LocaliseSliceInput).probabilities.any,
    z: (slices[i] as LocaliseSliceInput).z,
  }));
  const located = HEMORRHAGE_SUBTYPES.filter((_, k) => counts.some((c) => (c[k] as number) > 0));
  return {
    method: o.localiser ? 'localiser+hu' : maps ? 'segmenter+hu' : 'hu-threshold',
    labels,
    shapes: slices.map((s) => [s.rows, s.columns]),
    areaMm2: areaMm2.map((a) => Math.round(a * 10) / 10),
    volumeMl: spacing ? computeVolumeMl(counts, slabs, spacing) : null,
    abcOver2Ml: abc,
    slabsMm: slabs,
    zExtent,
    keyImages,
    subtypesLocated: located,
  };
}
