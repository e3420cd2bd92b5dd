/**
 * The series frame lesions are placed in: patient coordinates (LPS, mm) rotated onto the slices'
 * own axes — a along a row (ImageOrientationPatient's row direction), b down a column, s along the
 * unit slice normal (`slicePosition`). Pixel (r, c) of a slice lies at a = a0 + c·dx,
 * b = b0 + r·dy, s = the slice's position; exact for a stack of parallel slices, tilted or not.
 */
import { ichError } from '../../core/errors.js';
import { slicePosition, type CtMeta } from '../../dicom/index.js';

export type Vec3 = [number, number, number];

export interface SeriesAxes {
  /** Row direction, column direction and slice normal (unit vectors, patient LPS). */
  u: Vec3;
  v: Vec3;
  n: Vec3;
  /** Gravity for a supine patient (patient +y, posterior) in (a, b, s) components. */
  gravity: Vec3;
}

export interface SliceFrame {
  rows: number;
  cols: number;
  /** Column spacing (between neighbouring columns) and row spacing, mm. */
  dx: number;
  dy: number;
  /** In-plane coordinates of pixel (0, 0), mm. */
  a0: number;
  b0: number;
  /** Position along the normal, mm. */
  s: number;
}

const AXIAL: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0];

const dot = (p: readonly number[], q: readonly number[]): number => (p[0] as number) * (q[0] as number) + (p[1] as number) * (q[1] as number) + (p[2] as number) * (q[2] as number);

/** The axes of a series from one slice's orientation (axial when absent). */
export function seriesAxes(meta: Pick<CtMeta, 'imageOrientationPatient'>): SeriesAxes {
  const o = meta.imageOrientationPatient ?? AXIAL;
  const unit = (x: number, y: number, z: number): Vec3 => {
    const len = Math.hypot(x, y, z) || 1;
    return [x / len, y / len, z / len];
  };
  const u = unit(o[0], o[1], o[2]);
  const v = unit(o[3], o[4], o[5]);
  const n = unit(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]);
  const g: Vec3 = [0, 1, 0];
  return { u, v, n, gravity: [dot(g, u), dot(g, v), dot(g, n)] };
}

/** Where one slice lies in the series frame. Throws ICH_E_BAD_TAG without position or spacing. */
export function sliceFrame(meta: CtMeta, axes: SeriesAxes): SliceFrame {
  const p = meta.imagePositionPatient;
  const s = slicePosition(meta);
  if (!p || s === undefined) throw ichError('ICH_E_BAD_TAG', 'ImagePositionPatient is missing: the slice cannot be placed in 3-D', { file: meta.file });
  const spacing = meta.pixelSpacing;
  if (!spacing || !(spacing[0] > 0) || !(spacing[1] > 0)) throw ichError('ICH_E_BAD_TAG', 'PixelSpacing is missing or not positive', { file: meta.file });
  return { rows: meta.rows, cols: meta.columns, dy: spacing[0], dx: spacing[1], a0: dot(p, axes.u), b0: dot(p, axes.v), s };
}
