/**
 * Drawing on RGB images (HWC uint8, 3 channels) for pictures people look at: overlays, legends,
 * banners. A 5×7 bitmap font (upper case, digits, common punctuation; lower case is drawn as upper
 * case), filled rectangles and mask outlines. Pixel coordinates; `scale` multiplies the font's
 * pixels (scale 2 → 10×14 px glyphs on a 12 px advance).
 */
import type { Image } from '../core/tensor.js';

export type Rgb = readonly [r: number, g: number, b: number];

/** Glyph rows, top to bottom, 5 bits each (bit 4 = leftmost column). */
const GLYPHS: Readonly<Record<string, readonly number[]>> = {
  A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14],
  D: [30, 17, 17, 17, 17, 17, 30], E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17], I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16], Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4], U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 10, 4, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  '0': [14, 17, 19, 21, 25, 17, 14], '1': [4, 12, 4, 4, 4, 4, 14], '2': [14, 17, 1, 2, 4, 8, 31],
  '3': [31, 2, 4, 2, 1, 17, 14], '4': [2, 6, 10, 18, 31, 2, 2], '5': [31, 16, 30, 1, 1, 17, 14],
  '6': [6, 8, 16, 30, 17, 17, 14], '7': [31, 1, 2, 4, 8, 8, 8], '8': [14, 17, 17, 14, 17, 17, 14],
  '9': [14, 17, 17, 15, 1, 2, 12],
  ' ': [0, 0, 0, 0, 0, 0, 0], '.': [0, 0, 0, 0, 0, 12, 12], ',': [0, 0, 0, 0, 12, 4, 8],
  ':': [0, 12, 12, 0, 12, 12, 0], '-': [0, 0, 0, 31, 0, 0, 0], '+': [0, 4, 4, 31, 4, 4, 0],
  '=': [0, 0, 31, 0, 31, 0, 0], '/': [1, 1, 2, 4, 8, 16, 16], '(': [2, 4, 8, 8, 8, 4, 2],
  ')': [8, 4, 2, 2, 2, 4, 8], '%': [24, 25, 2, 4, 8, 19, 3], '<': [2, 4, 8, 16, 8, 4, 2],
  '>': [8, 4, 2, 1, 2, 4, 8], '#': [10, 10, 31, 10, 31, 10, 10], '_': [0, 0, 0, 0, 0, 0, 31],
  '!': [4, 4, 4, 4, 4, 0, 4], '?': [14, 17, 1, 2, 4, 0, 4], "'": [4, 4, 8, 0, 0, 0, 0],
  '·': [0, 0, 0, 12, 12, 0, 0], '…': [0, 0, 0, 0, 0, 0, 21], '–': [0, 0, 0, 31, 0, 0, 0], '—': [0, 0, 0, 31, 0, 0, 0],
  '×': [0, 17, 10, 4, 10, 17, 0], '²': [12, 2, 4, 14, 0, 0, 0],
};
const UNKNOWN = [31, 17, 21, 21, 21, 17, 31];

/** Horizontal advance of one character, px at scale 1 (5 px glyph + 1 px gap). */
export const GLYPH_ADVANCE = 6;
export const GLYPH_HEIGHT = 7;

/** Width in pixels of `text` drawn at `scale`. */
export function measureText(text: string, scale = 1): number {
  return Math.max(0, [...text].length * GLYPH_ADVANCE * scale - scale);
}

/** Sets pixel (x, y) to `rgb` when it lies inside the image. */
function setPixel(img: Image<'uint8'>, x: number, y: number, rgb: Rgb): void {
  const [h, w] = img.shape;
  if (x < 0 || y < 0 || x >= w || y >= h) return;
  const o = (y * w + x) * 3;
  img.data[o] = rgb[0];
  img.data[o + 1] = rgb[1];
  img.data[o + 2] = rgb[2];
}

/** Fills the rectangle [x, x + w) × [y, y + h), clipped to the image. */
export function fillRect(img: Image<'uint8'>, x: number, y: number, w: number, h: number, rgb: Rgb): void {
  for (let yy = Math.max(0, y); yy < Math.min(img.shape[0], y + h); yy++) for (let xx = Math.max(0, x); xx < Math.min(img.shape[1], x + w); xx++) setPixel(img, xx, yy, rgb);
}

/** Draws `text` with its top-left corner at (x, y). Returns the x after the last glyph. */
export function drawText(img: Image<'uint8'>, text: string, x: number, y: number, rgb: Rgb, scale = 1): number {
  let cx = x;
  for (const ch of text) {
    const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? UNKNOWN;
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      const bits = g[r] as number;
      for (let c = 0; c < 5; c++) if (bits & (1 << (4 - c))) fillRect(img, cx + c * scale, y + r * scale, scale, scale, rgb);
    }
    cx += GLYPH_ADVANCE * scale;
  }
  return cx;
}

/**
 * Colours the outline of a binary region: pixels of `mask` (h·w, nonzero = inside, same size as
 * the image) that have a 4-neighbour outside it, thickened to `thickness` px inward.
 */
export function drawMaskOutline(img: Image<'uint8'>, mask: Uint8Array, rgb: Rgb, thickness = 1): void {
  const [h, w] = img.shape;
  const edge = new Uint8Array(h * w);
  let inside = mask;
  for (let t = 0; t < thickness; t++) {
    const next = new Uint8Array(h * w);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (!inside[i]) continue;
        const border = x === 0 || y === 0 || x === w - 1 || y === h - 1 || !inside[i - 1] || !inside[i + 1] || !inside[i - w] || !inside[i + w];
        if (border) edge[i] = 1;
        else next[i] = 1;
      }
    inside = next;
  }
  for (let i = 0; i < h * w; i++) if (edge[i]) setPixel(img, i % w, Math.floor(i / w), rgb);
}

/** A grey plane (h·w bytes) as an RGB image. */
export function greyToRgb(grey: Uint8Array, h: number, w: number): Image<'uint8'> {
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = grey[i] as number;
  return { dtype: 'uint8', data, shape: [h, w, 3] };
}
