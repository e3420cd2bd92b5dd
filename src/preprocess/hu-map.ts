/**
 * Raw stored value → Hounsfield units for one frame, as a scalar function, with the pipeline's
 * corrections as the named steps of src/dicom (same order, same constants):
 *   1. RSNA 12-bit fix (when enabled and the header needs it): r += 1000; r ≥ 4096 → r − 4096; intercept = −1000
 *   2. hu = r · slope + intercept, stored as float32 (as `computeHu`'s Float32Array does)
 *   3. padding → air (when enabled): hu < −1024 → −1024
 *   4. HU jitter for augmentation (when given): hu' = huScale · hu + huOffset
 * The fused lookup table and the per-pixel fallback both evaluate this one function, so they agree
 * with `computeHu` + `replacePaddingWithAir` by construction (tests check it on real files).
 */
import { AIR_HU, frameRescale, type CtMeta } from '../dicom/index.js';

export interface HuMapOptions {
  /** Apply the RSNA 12-bit fix where the header needs it (default true). */
  rsna12BitFix?: boolean;
  /** Replace HU below air (padding, −2000 outside the scan circle) with air (default true). */
  padToAir?: boolean;
  /** Augmentation: HU added after the corrections (default 0). */
  huOffset?: number;
  /** Augmentation: factor applied to HU after the corrections, before huOffset (default 1). */
  huScale?: number;
}

/** The parameters that determine the mapping: equal keys mean equal functions (used to cache tables). */
export interface HuMapParams {
  fix: boolean;
  slope: number;
  intercept: number;
  padToAir: boolean;
  huOffset: number;
  huScale: number;
}

/** The mapping for frame `frame` of a file (per-frame rescale of enhanced CT via `frameRescale`). */
export function resolveHuMapParams(meta: CtMeta, opts: HuMapOptions = {}, frame = 0): HuMapParams {
  const fix = (opts.rsna12BitFix ?? true) && meta.needsRsna12BitFix;
  const { slope, intercept } = frameRescale(meta, frame);
  return {
    fix,
    slope,
    intercept: fix ? -1000 : intercept,
    padToAir: opts.padToAir ?? true,
    huOffset: opts.huOffset ?? 0,
    huScale: opts.huScale ?? 1,
  };
}

export function huMapKey(p: HuMapParams): string {
  return `${p.fix ? 1 : 0}|${p.slope}|${p.intercept}|${p.padToAir ? 1 : 0}|${p.huOffset}|${p.huScale}`;
}

/** The scalar raw → HU function described in the module comment. */
export function createHuMapper(p: HuMapParams): (raw: number) => number {
  const { fix, slope, intercept, padToAir, huOffset, huScale } = p;
  const jitter = huOffset !== 0 || huScale !== 1;
  return (raw) => {
    let r = raw;
    if (fix) {
      r += 1000;
      if (r >= 4096) r -= 4096;
    }
    let hu = Math.fround(r * slope + intercept);
    if (padToAir && hu < AIR_HU) hu = AIR_HU;
    return jitter ? huScale * hu + huOffset : hu;
  };
}
