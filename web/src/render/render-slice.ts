/**
 * One slice into one ImageData at the image's native size: the windowed grey, then the bleed
 * overlay blended into the same pixels (so a test reads the whole picture from one canvas):
 *   out = round(grey × (1 − α) + colour × α)   per channel, α = overlay opacity (0–1).
 * The canvas is drawn 1:1 and scaled by CSS to fit its box.
 */
import type { StoredPixels } from '../dicom/dicomweb-client.js';

export interface OverlayLayer {
  /** rows × columns, 1 inside. */
  mask: Uint8Array;
  rgb: readonly [number, number, number];
}

export function renderSlice(out: ImageData, pixels: StoredPixels, lut: Uint8Array, signed: boolean, overlays: readonly OverlayLayer[], opacity: number): void {
  const d = out.data;
  const n = Math.min(pixels.length, out.width * out.height);
  const offset = signed ? 32768 : 0;
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const g = lut[(pixels[i] as number) + offset] as number;
    d[j] = g;
    d[j + 1] = g;
    d[j + 2] = g;
    d[j + 3] = 255;
  }
  if (opacity <= 0) return;
  const keep = 1 - opacity;
  for (const { mask, rgb } of overlays) {
    const [r, g, b] = rgb;
    const m = Math.min(mask.length, n);
    for (let i = 0; i < m; i++) {
      if (mask[i] === 0) continue;
      const j = i * 4;
      // segments do not overlap (one label per pixel), so each pixel blends once over grey
      d[j] = Math.round((d[j] as number) * keep + r * opacity);
      d[j + 1] = Math.round((d[j + 1] as number) * keep + g * opacity);
      d[j + 2] = Math.round((d[j + 2] as number) * keep + b * opacity);
    }
  }
}
