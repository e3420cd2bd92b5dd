/**
 * Per-study head anatomy parameters (all lengths in mm, densities in HU), drawn from a seeded Rng.
 * The head frame: u = patient left-right (mm, + = patient left), v = anterior→posterior (mm,
 * + = posterior), level t = 0 at the skull base (foramen magnum) and 1 at the vertex.
 */
import type { Rng } from '../core/random.js';
import { mixSeed } from './ids.js';

export interface HeadParams {
  /** Half-width (left-right) of the skull's outer surface at its widest level, mm (66–78). */
  halfWidth: number;
  /** Half-length (anterior-posterior) of the skull's outer surface, mm (84–100). */
  halfLength: number;
  /** Skull base to vertex, mm. */
  height: number;
  /** In-plane head centre offset from the image centre (patient x, y), mm. */
  centerX: number;
  centerY: number;
  /** In-plane rotation, radians (±0.2). */
  rotation: number;
  /**
   * Pitch (flexion/extension or gantry tilt), radians (SD 0.1, at most ±0.25): the axial plane
   * cuts higher levels at the back of the head than at the front when positive.
   */
  pitch: number;
  /** Small shape harmonics of the outline: amplitude and phase per order 2..4. */
  harmonics: { amp: number; phase: number }[];
  /** Skull thickness at the frontal/occipital poles, mm (5–9), thinner laterally by `temporalThinning`. */
  skullThickness: number;
  temporalThinning: number;
  /** Cortical bone and diploe density, HU. */
  corticalHu: number;
  diploeHu: number;
  /** Scalp thickness, mm (4–8), and its fat fraction. */
  scalpThickness: number;
  scalpFat: number;
  /** Grey matter, white matter, CSF, deep grey nuclei densities, HU. */
  grayHu: number;
  whiteHu: number;
  csfHu: number;
  deepGrayHu: number;
  /** Falx density, HU (dura 50–80, calcified up to ~200). */
  falxHu: number;
  /** 0 (young) … 1 (atrophic): widens sulci, fissures and ventricles. */
  atrophy: number;
  /** Cortical ribbon thickness, mm. */
  cortexThickness: number;
  /** Gyrus scale (mm per noise unit) and sulcus depth (mm). */
  gyrusScale: number;
  sulcusDepth: number;
  /** Choroid plexus calcification density, HU (0 = none). */
  choroidCalcHu: number;
  /** Venous blood in the dural sinuses, HU (40–65). */
  sinusHu: number;
  /** Basal ganglia (globus pallidus) calcification density, HU (0 = none): a bright mimic of blood. */
  basalGangliaCalcHu: number;
  /**
   * Mass effect of large bleeds: the midline structures (falx, ventricles, cisterns, deep nuclei)
   * shift by `mm` along u (+ = patient left) at height `level` (mm above the base), fading with a
   * Gaussian of SD `spread` (mm) in z and bowing (zero at the anterior and posterior ends).
   */
  midlineShift: { mm: number; level: number; spread: number };
  /** Seeds of the noise fields (gyri, texture, bone texture, shape). */
  noiseSeeds: { gyri: number; texture: number; bone: number; outline: number };
}

/** Draws one head. `heightHint` is the scanned length (slices × spacing) the head should fill. */
export function drawHeadParams(rng: Rng, heightHint: number): HeadParams {
  const atrophy = Math.min(1, Math.max(0, rng.normal(0.35, 0.25)));
  const noiseBase = rng.int(0, 0x7fffffff);
  return {
    halfWidth: rng.uniform(66, 78),
    halfLength: rng.uniform(84, 100),
    height: Math.min(175, Math.max(125, heightHint * rng.uniform(0.85, 1.0))),
    centerX: rng.normal(0, 6),
    centerY: rng.normal(0, 8),
    rotation: rng.normal(0, 0.09),
    harmonics: [2, 3, 4].map(() => ({ amp: rng.uniform(0, 0.025), phase: rng.uniform(0, 2 * Math.PI) })),
    skullThickness: rng.uniform(4.5, 7.5),
    temporalThinning: rng.uniform(0.3, 0.55),
    corticalHu: rng.uniform(1250, 1750),
    diploeHu: rng.uniform(450, 850),
    scalpThickness: rng.uniform(4, 8),
    scalpFat: rng.uniform(0.2, 0.6),
    grayHu: rng.uniform(36, 44),
    whiteHu: rng.uniform(23, 29),
    csfHu: rng.uniform(2, 12),
    deepGrayHu: rng.uniform(33, 40),
    falxHu: rng.chance(0.2) ? rng.uniform(100, 220) : rng.uniform(50, 80),
    atrophy,
    cortexThickness: rng.uniform(2.5, 3.5),
    gyrusScale: rng.uniform(9, 13),
    sulcusDepth: rng.uniform(12, 20),
    choroidCalcHu: rng.chance(0.6) ? rng.uniform(90, 300) : 0,
    basalGangliaCalcHu: rng.chance(0.15) ? rng.uniform(80, 180) : 0,
    midlineShift: { mm: 0, level: 0, spread: 1 },
    sinusHu: rng.uniform(40, 65),
    pitch: Math.max(-0.25, Math.min(0.25, rng.normal(0, 0.1))),
    noiseSeeds: {
      gyri: mixSeed(noiseBase, 1),
      texture: mixSeed(noiseBase, 2),
      bone: mixSeed(noiseBase, 3),
      outline: mixSeed(noiseBase, 4),
    },
  };
}

/** The midline shift (mm along u) at height z for a point at posterior coordinate v of a section of half-length b. */
export function midlineShiftAt(head: HeadParams, z: number, v: number, b: number): number {
  const m = head.midlineShift;
  if (m.mm === 0 || b <= 0) return 0;
  const bow = 1 - (v / (0.9 * b)) ** 2;
  return bow <= 0 ? 0 : m.mm * bow * Math.exp(-(((z - m.level) / m.spread) ** 2));
}

/** Outer-surface scale of the head section at level t (1 at the widest level, 0 above the vertex). */
export function sectionScale(t: number): number {
  const x = (t - 0.42) / 0.62;
  return x >= 1 ? 0 : Math.sqrt(1 - x * x);
}

/**
 * How much wider a shell of normal thickness looks in an axial plane at level t: 1/cos of the
 * surface's tilt, capped at 4 (near the vertex the skull is cut almost tangentially).
 */
export function obliquityFactor(head: HeadParams, t: number): number {
  const s = sectionScale(t);
  if (s <= 0.05) return 4;
  const ds = -((t - 0.42) / (0.62 * 0.62)) / s; // d scale / d t
  const drdz = (Math.max(head.halfWidth, head.halfLength) * ds) / head.height;
  return Math.min(4, Math.sqrt(1 + drdz * drdz));
}
