/**
 * Extracranial anatomy of the lowest slices: the face in front of the anterior and middle cranial
 * fossae (orbits with globe, lens and fat; ethmoid cells; nasal cavity; maxillary sinuses) and the
 * neck below the skull base (cervical vertebra, pharynx, mandible, muscle and fat). Positions are
 * fractions of the section's half-axes a (left-right) and b (anterior-posterior), in mm.
 */
import type { HeadParams } from './head-params.js';
import type { HeadNoises, SliceFields } from './anatomy.js';
import { len2 } from './brain-structures.js';
import { REGION } from './regions.js';

/** The v (mm, head frame) in front of which the section is face, at level t; −Infinity when none. */
export function faceBoundary(b: number, t: number): number {
  if (t < 0 || t >= 0.17) return -Infinity;
  return -b * (0.05 + (0.9 * t) / 0.17);
}

function setPixel(f: SliceFields, k: number, region: number, hu: number): void {
  f.region[k] = region;
  f.hu[k] = hu;
}

/** Skin and subcutaneous fat near the outer surface; returns true when it owns the pixel. */
function classifySkin(f: SliceFields, k: number, noises: HeadNoises, u: number, v: number, dOut: number, zs: number): boolean {
  if (dOut < -1.5) {
    setPixel(f, k, REGION.SCALP, 40 + 4 * noises.texture(u / 3, v / 3, zs / 3));
    return true;
  }
  if (dOut < 2 + 2 * (noises.texture(u / 12, v / 12, zs / 12) + 1)) {
    setPixel(f, k, REGION.SOFT, -95 + 10 * noises.texture(u / 3, v / 3, zs / 3));
    return true;
  }
  return false;
}

/** Face at skull-base levels (0 ≤ t < 0.17), for pixels with v < faceBoundary. */
export function classifyFace(f: SliceFields, k: number, noises: HeadNoises, u: number, v: number, dOut: number, zs: number, a: number, b: number, cut: number, t: number): void {
  const bn = noises.bone(u / 2.5, v / 2.5, zs / 2.5);
  if (v > cut - 2.5 && dOut > 0) return setPixel(f, k, REGION.BONE, 900 + 300 * bn); // floor of the anterior fossa
  if (classifySkin(f, k, noises, u, v, dOut, zs)) return;
  const au = Math.abs(u);
  const front = -b; // the face's anterior surface, roughly
  if (t >= 0.07) {
    const orbitV = Math.max(front + 14, cut - 15);
    const globe = len2(au - 0.4 * a, v - orbitV) / 12;
    if (globe < 1) return setPixel(f, k, REGION.SOFT, globe < 0.3 && v < orbitV - 7 ? 100 : 14 + 3 * noises.texture(u / 3, v / 3, zs / 3));
    if (globe < 1.5 && au > 0.2 * a) return setPixel(f, k, REGION.SOFT, -85 + 10 * noises.texture(u / 2, v / 2, zs / 2));
    if (globe < 1.7 && au > 0.18 * a) return setPixel(f, k, REGION.BONE, 700 + 300 * bn);
    if (au < 0.2 * a) return bn > 0.1 ? setPixel(f, k, REGION.AIR, -1000) : setPixel(f, k, REGION.BONE, 250 + 500 * Math.abs(bn)); // ethmoid cells
  } else {
    const sinus = len2((au - 0.3 * a) / 1.1, v - Math.max(front + 18, cut - 18)) / 15;
    if (sinus < 1) return setPixel(f, k, REGION.AIR, -1000); // maxillary sinus
    if (sinus < 1.15) return setPixel(f, k, REGION.BONE, 800 + 300 * bn);
    if (au < 0.12 * a) return noises.texture(u / 3, v / 3, zs / 3) > 0 ? setPixel(f, k, REGION.AIR, -1000) : setPixel(f, k, REGION.SOFT, 35); // nasal cavity, turbinates
  }
  setPixel(f, k, REGION.SOFT, 45 + 5 * noises.texture(u / 4, v / 4, zs / 4));
}

/**
 * Below the skull base (t < 0): a cervical vertebra (body, ring around the canal), the pharyngeal
 * airway in front of it, the mandible's arc anteriorly, muscle with a few fat planes, skin and fat.
 */
export function classifyNeck(f: SliceFields, k: number, head: HeadParams, noises: HeadNoises, u: number, v: number, dOut: number, zs: number, a: number, b: number): void {
  const sc = head.halfWidth / 72;
  const bone = (base: number): void => setPixel(f, k, REGION.BONE, base + 200 * noises.bone(u / 2, v / 2, zs / 2));
  const canal = len2(u, v - 14 * sc);
  if (canal < 7 * sc) return setPixel(f, k, REGION.CSF, 25); // cord in its CSF sleeve, averaged
  if (canal < 11 * sc && v > 8 * sc) return bone(750); // posterior arch
  const body = len2(u / 1.3, v - sc);
  if (body < 8 * sc) return bone(450); // vertebral body: trabecular
  if (body < 9.5 * sc) return bone(1100); // its cortex
  if (len2(u / 2.2, v + 13 * sc) < 5 * sc) return setPixel(f, k, REGION.AIR, -1000); // pharynx
  if (classifySkin(f, k, noises, u, v, dOut, zs)) return;
  const arc = len2(u / a, (v + 0.1 * b) / b);
  if (v < -0.25 * b && arc > 0.72 && arc < 0.8) return bone(1300); // mandible
  const fat = noises.texture(u / 9 + 20, v / 9, zs / 9) > 0.55;
  setPixel(f, k, REGION.SOFT, fat ? -85 : 50 + 4 * noises.texture(u / 3, v / 3, zs / 3));
}
