/**
 * What is drawn for one inserted lesion: a 3-D shape in the series frame (a, b, s in mm, see
 * slice-frame.ts) plus its density. The shapes are rasterised per slice by lesion-shapes.ts
 * against that slice's anatomy, so one lesion is consistent across neighbouring slices.
 */
import type { HemorrhageSubtype } from '../types.js';

/** Age of the blood: sets its density (acute clot is densest; it fades over 1–3 weeks). */
export type BloodAge = 'hyperacute' | 'acute' | 'subacute';

/** The series' head: its centre and midline direction in the series frame. */
export interface HeadAxis {
  /** Centre (a, b), mm: the cavity centroid averaged over the brain slices. */
  ca: number;
  cb: number;
  /** Angle of the long (anteroposterior) axis from +a, rad. */
  axisAngle: number;
  /** Mean radius of the largest cavity section, mm. */
  radius: number;
  /** Gravity for a supine patient (patient +y, posterior) in (a, b, s) components. */
  gravity: [number, number, number];
}

interface LesionBase {
  subtype: HemorrhageSubtype;
  /** Mean blood density, HU (40–90). */
  hu: number;
  age: BloodAge;
  /** Amplitude of the mottled clot texture, HU. */
  textureHu: number;
  /** The lesion may only appear between these slice positions (the run of brain slices it sits in), mm. */
  sMin: number;
  sMax: number;
  /** Seed of its texture and boundary noise. */
  noiseSeed: number;
}

/** Epidural (lens: thickness ∝ 1 − q) or subdural (crescent: ∝ √(1 − q²)) against the inner table. */
export interface ExtraAxialLesion extends LesionBase {
  subtype: 'epidural' | 'subdural';
  /** Centre angle around the head centre, rad, measured from the anterior midline (atan2(lat, ap)). */
  theta0: number;
  /** Half arc, rad. */
  thetaHalf: number;
  /** Maximum thickness, mm. */
  thickness: number;
  /** Centre and half-height along the normal, mm. */
  s0: number;
  sHalf: number;
  /** +1 / −1: the side of the midline (subdurals stop at the falx; epidurals may cross it). */
  side: 1 | -1;
}

/** Intraparenchymal: a lobulated ellipsoid in brain tissue (not in ventricles). */
export interface BlobLesion extends LesionBase {
  subtype: 'intraparenchymal';
  centre: [number, number, number];
  /** Semi-axes in-plane (along `angle` and across) and along s, mm. */
  radii: [number, number, number];
  angle: number;
  /** Boundary modulation by noise, fraction of the radius. */
  lobulation: number;
  deep: boolean;
  /** Perihematomal oedema: a rim this wide (mm; 0 for hyperacute blood) this much darker (HU) than the brain; not blood, not in the mask. */
  oedemaMm: number;
  oedemaHu: number;
}

/** Intraventricular: ventricle CSF within an ellipsoid, below a fluid level (supine: posterior) or a cast. */
export interface VentricularLesion extends LesionBase {
  subtype: 'intraventricular';
  centre: [number, number, number];
  radii: [number, number, number];
  /** Blood where the gravity coordinate exceeds this (mm); undefined = cast (fills the region). */
  level: number | undefined;
}

/** Subarachnoid: CSF pixels (sulci, cisterns, fissures) inside a noisy ball. */
export interface SubarachnoidLesion extends LesionBase {
  subtype: 'subarachnoid';
  centre: [number, number, number];
  radius: number;
  /** Only CSF at most this deep (mm from the inner table): convexity; Infinity for basal cisterns. */
  maxDepth: number;
  basal: boolean;
}

export type Lesion = ExtraAxialLesion | BlobLesion | VentricularLesion | SubarachnoidLesion;
