/**
 * Overlay colour per hemorrhage subtype: the segment colours ichscan's SEG recommends
 * (src/dicom-out/codes.ts), so the viewer, the SEG and the key images agree. Each colour has
 * channels far apart, so blending it over any grey changes at least one channel.
 */
import type { Subtype } from '../api/types.js';

export const SUBTYPE_RGB: Readonly<Record<Subtype, readonly [number, number, number]>> = {
  epidural: [230, 25, 75],
  intraparenchymal: [255, 225, 25],
  intraventricular: [0, 130, 200],
  subarachnoid: [60, 180, 75],
  subdural: [245, 130, 48],
};

export function cssColourOf(s: Subtype): string {
  const [r, g, b] = SUBTYPE_RGB[s];
  return `rgb(${r}, ${g}, ${b})`;
}

/** SEG segment label ("Subdural hemorrhage") → subtype, or undefined for labels of others. */
export function subtypeOfLabel(label: string): Subtype | undefined {
  const l = label.toLowerCase();
  return (Object.keys(SUBTYPE_RGB) as Subtype[]).find((s) => l.startsWith(s));
}
