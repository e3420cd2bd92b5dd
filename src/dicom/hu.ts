/**
 * Hounsfield units from stored values, and the pipeline's two corrections as named, separate steps.
 *
 * - `computeHu` with no options is pydicom's definition exactly: hu = raw * slope + intercept
 *   (float64 arithmetic, float32 result; exact for CT's integer slopes/intercepts).
 * - `applyRsna12BitFix`: the RSNA 2019 rule for 12-bit unsigned slices whose intercept is
 *   > −100 (stored with a wrap-around): raw += 1000; raw ≥ 4096 → raw − 4096; intercept = −1000.
 * - `replacePaddingWithAir`: every HU below −1024 becomes −1024. Padding outside the scan circle
 *   (raw −2000 → −3024 HU, PixelPaddingValue, −2048 …) lies there; no tissue does (air ≈ −1000), and
 *   no window ichscan uses starts below −1024, so the step only removes padding from statistics and
 *   resampling.
 */
import type { CtMeta, RawPixels } from './types.js';

/** HU of air used for padding replacement and as the clamp floor. */
export const AIR_HU = -1024;

export interface HuOptions {
  /** Apply the RSNA 12-bit fix when `meta.needsRsna12BitFix` (default false = pydicom's plain definition). */
  rsna12BitFix?: boolean;
  /** Replace HU < −1024 by −1024 (default false). */
  padToAir?: boolean;
}

/**
 * HU of every pixel of every frame, frame-major like `raw` (length rows*columns*frames). Applies
 * per-frame rescale when the file has one. The two options are the same steps as
 * `applyRsna12BitFix` / `replacePaddingWithAir`, fused into one pass for speed.
 */
export function computeHu(raw: RawPixels, meta: CtMeta, opts: HuOptions = {}): Float32Array {
  const fix = opts.rsna12BitFix === true && meta.needsRsna12BitFix;
  const pad = opts.padToAir === true;
  const frameLen = raw.rows * raw.columns;
  const out = new Float32Array(frameLen * raw.frames);
  for (let f = 0; f < raw.frames; f++) {
    const { slope, intercept } = frameRescale(meta, f);
    const start = f * frameLen;
    if (fix) rescaleFixedInto(raw.data, out, start, start + frameLen, slope, pad);
    else if (pad) rescalePaddedInto(raw.data, out, start, start + frameLen, slope, intercept);
    else rescaleInto(raw.data, out, start, start + frameLen, slope, intercept);
  }
  return out;
}

// Three small loops instead of one with per-pixel option checks: ~2× faster on 512² slices.
function rescaleInto(src: RawPixels['data'], out: Float32Array, start: number, end: number, slope: number, intercept: number): void {
  for (let i = start; i < end; i++) out[i] = src[i]! * slope + intercept;
}

function rescalePaddedInto(src: RawPixels['data'], out: Float32Array, start: number, end: number, slope: number, intercept: number): void {
  for (let i = start; i < end; i++) {
    const h = src[i]! * slope + intercept;
    out[i] = h < AIR_HU ? AIR_HU : h;
  }
}

/** The RSNA 12-bit fix fused with the rescale (intercept −1000), optionally with padding → air. */
function rescaleFixedInto(src: RawPixels['data'], out: Float32Array, start: number, end: number, slope: number, pad: boolean): void {
  for (let i = start; i < end; i++) {
    let v = src[i]! + 1000;
    if (v >= 4096) v -= 4096;
    const h = v * slope - 1000;
    out[i] = pad && h < AIR_HU ? AIR_HU : h;
  }
}

/** Slope and intercept of frame `f` (per-frame functional groups when they vary, else the file's). */
export function frameRescale(meta: CtMeta, f: number): { slope: number; intercept: number } {
  return meta.perFrameRescale?.[f] ?? { slope: meta.rescaleSlope, intercept: meta.rescaleIntercept };
}

/**
 * The RSNA 12-bit fix as a separate step: returns new raw values and meta (intercept −1000,
 * `needsRsna12BitFix` false) when the rule applies; returns the inputs unchanged otherwise.
 * Never modifies `raw.data` (it may be a view on the file's bytes).
 */
export function applyRsna12BitFix(raw: RawPixels, meta: CtMeta): { raw: RawPixels; meta: CtMeta } {
  if (!meta.needsRsna12BitFix) return { raw, meta };
  const src = raw.data;
  const data = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    let v = src[i]! + 1000;
    if (v >= 4096) v -= 4096;
    data[i] = v;
  }
  const fixedMeta: CtMeta = { ...meta, rescaleIntercept: -1000, needsRsna12BitFix: false };
  if (meta.perFrameRescale) fixedMeta.perFrameRescale = meta.perFrameRescale.map((r) => ({ slope: r.slope, intercept: -1000 }));
  return { raw: { ...raw, data }, meta: fixedMeta };
}

/** Replaces, in place, every HU below −1024 by −1024 (see the module comment); returns `hu`. */
export function replacePaddingWithAir(hu: Float32Array): Float32Array {
  for (let i = 0; i < hu.length; i++) if (hu[i]! < AIR_HU) hu[i] = AIR_HU;
  return hu;
}
