/**
 * The part of the input frame the localiser needs to see: blood is only ever drawn inside the
 * cranial cavity (bleed-mask.ts), so the localiser runs on the union of the cavities of the slices
 * it is asked for, grown by a margin (the skull and some air, so the network sees the inner table
 * as in training, where 128² crops cut through heads anywhere), aligned to its stride grid. On the
 * latency study this is about half the 256² frame, and the localiser's time falls with the area.
 * Cells outside the box read probability 0; inside it the map equals the whole-frame map except
 * near the box's edge, which the margin keeps off the cavity (Dice measured in docs/model-card.md).
 */
import type { Image } from '../../core/tensor.js';
import type { WindowPreset } from '../../core/windows.js';
import { computeSliceCavity } from './cavity.js';

/**
 * Per localiser architecture, what its input sides must be multiples of (the product of its
 * strides; bleedseg-fine: BLEEDSEG_FINE_SIZE_MULTIPLE, kept here so inference does not load tfjs;
 * the test checks they agree). Architectures not listed always see the whole frame.
 */
export const LOCALISER_SIZE_MULTIPLE: Readonly<Record<string, number>> = Object.freeze({ 'bleedseg-fine': 8 });

/** A box of input pixels: rows y0 … y0 + h − 1, columns x0 … x0 + w − 1. */
export interface CropBox {
  y0: number;
  x0: number;
  h: number;
  w: number;
}

/** A binary mask over a w × h grid (the cavity of one slice at the model's input size). */
export interface GridMask {
  w: number;
  h: number;
  cavityMask: Uint8Array;
}

/**
 * The box around every cavity pixel of `masks`, grown by `marginPx`, with its corner and sides on
 * multiples of `multiple` (the product of the network's strides, so the crop sits on the grid the
 * whole frame would use and the model accepts its size), inside the size × size frame. null when
 * no slice has a cavity or the box would be the whole frame (nothing to save).
 */
export function computeLocaliserCrop(masks: readonly GridMask[], size: number, marginPx: number, multiple: number): CropBox | null {
  let y0 = Infinity;
  let x0 = Infinity;
  let y1 = -1;
  let x1 = -1;
  for (const m of masks) {
    for (let y = 0; y < m.h; y++) {
      const row = y * m.w;
      for (let x = 0; x < m.w; x++) {
        if (!m.cavityMask[row + x]) continue;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
    }
  }
  if (y1 < 0) return null;
  const span = (lo: number, hi: number): [number, number] => {
    const a = Math.max(0, Math.floor((lo - marginPx) / multiple) * multiple);
    const b = Math.min(size, Math.ceil((hi + 1 + marginPx) / multiple) * multiple);
    return [a, b - a];
  };
  const [ya, h] = span(y0, y1);
  const [xa, w] = span(x0, x1);
  if (h >= size && w >= size) return null;
  return { y0: ya, x0: xa, h, w };
}

/** The box's pixels of an HWC image, as an image of its own. */
export function cropImage(img: Image<'uint8'>, box: CropBox): Image<'uint8'> {
  const [, w, c] = img.shape;
  const out = new Uint8Array(box.h * box.w * c);
  for (let y = 0; y < box.h; y++) {
    const from = ((box.y0 + y) * w + box.x0) * c;
    out.set(img.data.subarray(from, from + box.w * c), y * box.w * c);
  }
  return { dtype: 'uint8', data: out, shape: [box.h, box.w, c] };
}

/** How a map is cropped: the union of a series' cavities grown by `marginPx`, on a grid of `multiple` px. */
export interface MapCrop {
  marginPx: number;
  multiple: number;
}

/** The crop box of a whole series (every slice's cavity; computeLocaliserCrop), or null for the whole frame. */
export function computeSeriesCrop(images: readonly Image<'uint8'>[], windows: readonly WindowPreset[], c: MapCrop): CropBox | null {
  const first = images[0];
  if (!first) return null;
  return computeLocaliserCrop(images.map((im) => computeSliceCavity(im, windows)), first.shape[0], c.marginPx, c.multiple);
}
