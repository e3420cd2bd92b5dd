/**
 * Display window on Hounsfield units, as one lookup table per (slope, intercept, window):
 *   HU = stored × slope + intercept
 *   grey = round(255 × clamp((HU − (L − W/2)) / W, 0, 1))
 * the linear window of src/preprocess/window.ts (brain 40/80: HU 0 → 0, 40 → 128, 80 → 255).
 * The table spans every 16-bit stored value (65 536 entries, 64 KiB), so drawing a slice is one
 * table read per pixel whatever the rescale.
 */
export interface Window {
  /** Centre, HU. */
  level: number;
  /** Width, HU (> 0). */
  width: number;
}

export const WINDOW_PRESETS: readonly { name: string; key: string; window: Window }[] = [
  { name: 'Brain', key: '1', window: { level: 40, width: 80 } },
  { name: 'Subdural', key: '2', window: { level: 80, width: 200 } },
  { name: 'Stroke', key: '3', window: { level: 40, width: 40 } },
  { name: 'Bone', key: '4', window: { level: 600, width: 2800 } },
];

/** The grey level (0–255) of one HU value under `w`. */
export function windowGrey(hu: number, w: Window): number {
  const v = (hu - (w.level - w.width / 2)) / w.width;
  return Math.round((v <= 0 ? 0 : v >= 1 ? 1 : v) * 255);
}

/** Grey per stored sample: index `s + 32768` for signed samples, `s` for unsigned ones. */
export function buildWindowLut(slope: number, intercept: number, signed: boolean, w: Window): Uint8Array {
  const lut = new Uint8Array(65536);
  const offset = signed ? -32768 : 0;
  for (let i = 0; i < 65536; i++) lut[i] = windowGrey((i + offset) * slope + intercept, w);
  return lut;
}

/** A cache of the last table (the window changes on drag; slices of a series share a rescale). */
export class WindowLutCache {
  private key = '';
  private lut: Uint8Array = new Uint8Array(65536);

  get(slope: number, intercept: number, signed: boolean, w: Window): Uint8Array {
    const key = `${slope}|${intercept}|${signed}|${w.level}|${w.width}`;
    if (key !== this.key) {
      this.lut = buildWindowLut(slope, intercept, signed, w);
      this.key = key;
    }
    return this.lut;
  }
}
