/**
 * How much: bleed volume from the per-slice label maps of one z-ordered series.
 * - Each slice stands for the slab halfway to its neighbours along the slice normal (from
 *   ImagePositionPatient): Δz_i = (z_{i+1} − z_{i−1}) / 2 inside the series, the one-sided spacing
 *   at its ends. Overlapping reconstructions (spacing < thickness) are so counted once, and a gap
 *   (a missing slice) is bridged by the slices beside it. Without positions: SliceThickness.
 * - volume (mL) = Σ_i pixels_i × rowSpacing × columnSpacing × Δz_i / 1000, per subtype and total.
 * - ABC/2 (Kothari's bedside estimate, beside the voxel count): for the largest connected region
 *   on the slice with the largest bleed area, A = its longest extent, B = its extent perpendicular
 *   to A, C = Σ Δz over slices holding that region's subtype; ABC/2 = A·B·C / 2 / 1000 mL. It is
 *   meant for ellipsoidal (intraparenchymal) bleeds and overstates crescents.
 */
import { HEMORRHAGE_SUBTYPES } from '../../core/subtypes.js';
import type { HemorrhageSubtype } from './regions.js';

export type VolumeRecord = { total: number } & Record<HemorrhageSubtype, number>;

/** Slab thickness (mm) each slice stands for; `fallbackMm` where positions are unknown. */
export function computeSliceSlabs(z: readonly (number | null)[], fallbackMm: number): number[] {
  const n = z.length;
  const known = z.every((v) => v !== null) && n > 1;
  if (!known) return z.map(() => fallbackMm);
  const zs = z as number[];
  return zs.map((_, i) => {
    const lo = zs[Math.max(0, i - 1)] as number;
    const hi = zs[Math.min(n - 1, i + 1)] as number;
    const span = Math.abs(hi - lo);
    return i === 0 || i === n - 1 ? span : span / 2;
  });
}

/** Pixels per subtype code 1..5 (index 0..4) of one label map. */
export function countLabelPixels(labels: Uint8Array): number[] {
  const c = [0, 0, 0, 0, 0];
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i] as number;
    if (v) c[v - 1] = (c[v - 1] as number) + 1;
  }
  return c;
}

function roundMl(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Volumes in mL (3 decimals) of label maps with their slabs and pixel spacing [row, column] mm. */
export function computeVolumeMl(counts: readonly (readonly number[])[], slabsMm: readonly number[], spacingMm: readonly [number, number]): VolumeRecord {
  const acc = [0, 0, 0, 0, 0];
  counts.forEach((c, i) => {
    const voxel = spacingMm[0] * spacingMm[1] * (slabsMm[i] as number);
    for (let k = 0; k < 5; k++) acc[k] = (acc[k] as number) + (c[k] as number) * voxel;
  });
  const rec = Object.fromEntries(HEMORRHAGE_SUBTYPES.map((s, k) => [s, roundMl((acc[k] as number) / 1000)])) as Record<HemorrhageSubtype, number>;
  return { total: roundMl(acc.reduce((a, b) => a + b, 0) / 1000), ...rec };
}

/** Longest extent A (mm) of the nonzero pixels over 36 directions, and B, the extent perpendicular to A. */
export function measureDiameters(labels: Uint8Array, rows: number, columns: number, spacingMm: readonly [number, number]): { a: number; b: number } {
  const pts: [number, number][] = [];
  for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) if (labels[y * columns + x]) pts.push([x * spacingMm[1], y * spacingMm[0]]);
  if (pts.length === 0) return { a: 0, b: 0 };
  const extent = (angle: number): number => {
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    let lo = Infinity;
    let hi = -Infinity;
    for (const [x, y] of pts) {
      const t = x * c + y * s;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    // + one pixel: a single pixel is one pixel wide, not zero
    return hi - lo + (Math.abs(c) * spacingMm[1] + Math.abs(s) * spacingMm[0]);
  };
  let best = 0;
  let bestAngle = 0;
  for (let k = 0; k < 36; k++) {
    const e = extent((k * Math.PI) / 36);
    if (e > best) {
      best = e;
      bestAngle = (k * Math.PI) / 36;
    }
  }
  return { a: best, b: extent(bestAngle + Math.PI / 2) };
}

/** ABC/2 in mL from the largest-area slice's diameters and the bleed's summed slab thickness (mm). */
export function computeAbcOver2Ml(a: number, b: number, cMm: number): number {
  return roundMl((a * b * cMm) / 2 / 1000);
}
