/**
 * Key-image overlays made for a person to look at: the slice in the brain window (L40 W80) at the
 * source's resolution, each subtype's bleed outlined in its colour over a light tint, and a
 * legend panel below the image (a warning when there is one, subtypes with their volumes, slice
 * position, P(any), model, and "not for diagnostic use"). RGB HWC uint8.
 */
import { HEMORRHAGE_SUBTYPES } from '../../core/subtypes.js';
import type { Image, Plane } from '../../core/tensor.js';
import { WINDOW_PRESETS } from '../../core/windows.js';
import { drawMaskOutline, drawText, fillRect, GLYPH_HEIGHT, measureText, type Rgb } from '../../preprocess/draw.js';
import { createWindowFunction } from '../../preprocess/index.js';
import type { HemorrhageSubtype } from './regions.js';
import type { VolumeRecord } from './volume.js';

/** One colour per subtype, chosen to stay apart from each other and from grey brain. */
export const SUBTYPE_COLOURS: Readonly<Record<HemorrhageSubtype, Rgb>> = {
  epidural: [255, 140, 0],
  intraparenchymal: [255, 48, 48],
  intraventricular: [0, 200, 255],
  subarachnoid: [230, 70, 230],
  subdural: [70, 225, 70],
};

export interface OverlayText {
  /** e.g. "slice 12/40 · z 34.5 mm". */
  position: string;
  anyProbability: number;
  volumeMl: VolumeRecord | null;
  model: string;
  /** Warning lines (amber, above the rest), e.g. for a contrast-enhanced series; ≤ 42 characters each to fit 256 / 512 columns. */
  warning?: readonly string[];
}

/** The overlay's lines for a verdict from a contrast-enhanced series (the full text is in the SR and --json). */
export const CONTRAST_OVERLAY_WARNING = ['WARNING: CONTRAST-ENHANCED SERIES', 'THE MODEL READS NON-CONTRAST CT'] as const;
/** … and from a series whose header says it is not a head CT. */
export const NOT_HEAD_OVERLAY_WARNING = ['WARNING: NOT A HEAD CT', 'THE MODEL READS HEAD CT ONLY'] as const;

/** The legend's warning lines for a verdict from this series (the same caveats as predict's seriesWarnings, in short). */
export function overlayWarningLines(s: { contrast?: string; notHead?: string }): string[] {
  return [...(s.notHead ? NOT_HEAD_OVERLAY_WARNING : []), ...(s.contrast ? CONTRAST_OVERLAY_WARNING : [])];
}

/** The slice in the brain window as RGB (grey). */
export function renderBrainWindow(hu: Plane): Image<'uint8'> {
  const [h, w] = hu.shape;
  const win = createWindowFunction(WINDOW_PRESETS.brain);
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    const v = Math.round(255 * win(hu.data[i] as number));
    data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = v;
  }
  return { dtype: 'uint8', data, shape: [h, w, 3] };
}

/** Blends `rgb` into the pixels where `labels` equals `code` (alpha 0..1). */
function tint(img: Image<'uint8'>, labels: Uint8Array, code: number, rgb: Rgb, alpha: number): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== code) continue;
    for (let c = 0; c < 3; c++) img.data[i * 3 + c] = Math.round((1 - alpha) * (img.data[i * 3 + c] as number) + alpha * (rgb[c] as number));
  }
}

/**
 * The overlay of one slice: `hu` [rows, columns] and its label map (0 none, k → HEMORRHAGE_SUBTYPES[k − 1]).
 * The result is columns wide and rows + legend tall.
 */
export function renderOverlay(hu: Plane, labels: Uint8Array, text: OverlayText): Image<'uint8'> {
  const [rows, cols] = hu.shape;
  const base = renderBrainWindow(hu);
  const scale = cols >= 400 ? 2 : 1;
  const thickness = Math.max(1, Math.round(cols / 256));
  const present = HEMORRHAGE_SUBTYPES.filter((_, k) => labels.includes(k + 1));
  for (const s of present) {
    const code = HEMORRHAGE_SUBTYPES.indexOf(s) + 1;
    const colour = SUBTYPE_COLOURS[s];
    tint(base, labels, code, colour, 0.3);
    const m = new Uint8Array(labels.length);
    for (let i = 0; i < labels.length; i++) m[i] = labels[i] === code ? 1 : 0;
    drawMaskOutline(base, m, colour, thickness);
  }
  const line = (GLYPH_HEIGHT + 4) * scale;
  const pad = 4 * scale;
  const warning = text.warning ?? [];
  const legendLines = 3 + Math.max(1, present.length) + warning.length;
  const panel = legendLines * line + 2 * pad;
  const out: Image<'uint8'> = { dtype: 'uint8', data: new Uint8Array((rows + panel) * cols * 3), shape: [rows + panel, cols, 3] };
  out.data.set(base.data);
  fillRect(out, 0, rows, cols, panel, [24, 24, 28]);
  let y = rows + pad;
  const white: Rgb = [235, 235, 235];
  for (const w of warning) {
    drawText(out, w, pad, y, [255, 210, 60], scale);
    y += line;
  }
  drawText(out, `P(any) ${text.anyProbability.toFixed(3)}  ${text.position}`, pad, y, white, scale);
  y += line;
  if (present.length === 0) {
    drawText(out, 'no bleed outlined on this slice', pad, y, white, scale);
    y += line;
  }
  for (const s of present) {
    fillRect(out, pad, y, 8 * scale, GLYPH_HEIGHT * scale, SUBTYPE_COLOURS[s]);
    const vol = text.volumeMl ? `  ${text.volumeMl[s].toFixed(1)} mL in the series` : '';
    drawText(out, `${s}${vol}`, pad + 12 * scale, y, SUBTYPE_COLOURS[s], scale);
    y += line;
  }
  drawText(out, text.volumeMl ? `total ${text.volumeMl.total.toFixed(1)} mL  ${text.model}` : text.model, pad, y, white, scale);
  y += line;
  const banner = 'NOT FOR DIAGNOSTIC USE';
  drawText(out, banner, Math.max(pad, cols - pad - measureText(banner, scale)), y, [255, 210, 60], scale);
  return out;
}
