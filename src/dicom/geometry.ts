/**
 * Slice geometry from the Image Plane module: where a slice sits along its series' normal.
 */
import type { CtMeta } from './types.js';

/**
 * Position of the slice along its normal, mm: ImagePositionPatient projected on the unit normal
 * (row direction × column direction of ImageOrientationPatient). Equals IPP z for axial slices
 * and orders tilted (gantry-angled) series correctly. IPP z when the orientation is absent or
 * degenerate; undefined without a position.
 */
export function slicePosition(meta: Pick<CtMeta, 'imagePositionPatient' | 'imageOrientationPatient'>): number | undefined {
  const p = meta.imagePositionPatient;
  if (!p) return undefined;
  const o = meta.imageOrientationPatient;
  if (!o) return p[2];
  const nx = o[1] * o[5] - o[2] * o[4];
  const ny = o[2] * o[3] - o[0] * o[5];
  const nz = o[0] * o[4] - o[1] * o[3];
  const len = Math.hypot(nx, ny, nz);
  if (!(len > 1e-6)) return p[2];
  return (p[0] * nx + p[1] * ny + p[2] * nz) / len;
}
