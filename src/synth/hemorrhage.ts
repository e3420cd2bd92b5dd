/**
 * Hemorrhage shapes per subtype, as 3-D objects in the head frame (mm), painted slice by slice into
 * the anatomy's HU and a per-pixel bitmask (bit k = HEMORRHAGE_SUBTYPES[k]):
 * - epidural: biconvex lens against the inner table, clipped at sutures and the midline;
 * - subdural: thin, long crescent along the inner table, crosses sutures, stops at the falx;
 * - intraparenchymal: lobulated blob (50–90 HU) with a hypodense oedema halo;
 * - intraventricular: blood in the ventricles layering dependently (posterior, patient supine) below
 *   a horizontal fluid level, or filling them (cast);
 * - subarachnoid: blood replacing CSF in sulci, fissures and cisterns within a region.
 * Each bleed spans adjacent slices; its HU and size are drawn widely, including small subtle ones.
 */
import type { Rng } from '../core/random.js';
import type { HemorrhageSubtype } from './types.js';
import type { HeadParams } from './head-params.js';
import type { SliceFields } from './anatomy.js';
import { sutureAngles } from './anatomy.js';
import { REGION, isIntracranial, isParenchyma } from './regions.js';
import { cachedNoise } from './noise.js';
import { wrapPi } from './angles.js';

/** Bit of each subtype in the mask bytes (HEMORRHAGE_SUBTYPES order). */
export const SUBTYPE_BIT: Readonly<Record<HemorrhageSubtype, number>> = {
  epidural: 1,
  intraparenchymal: 2,
  intraventricular: 4,
  subarachnoid: 8,
  subdural: 16,
};

interface BleedBase {
  /** Blood density, HU, and a heterogeneity amplitude (HU). */
  hu: number;
  mottle: number;
  /** Height range, mm above the skull base. */
  zMin: number;
  zMax: number;
  noiseSeed: number;
}
export interface ExtraAxialBleed extends BleedBase {
  subtype: 'epidural' | 'subdural';
  /** Centre angle and angular half-extent, radians; centre height, mm; max thickness, mm. */
  theta: number;
  halfAngle: number;
  zCenter: number;
  maxThickness: number;
}
export interface ParenchymalBleed extends BleedBase {
  subtype: 'intraparenchymal';
  u: number;
  v: number;
  zCenter: number;
  radius: number;
  /** Oedema halo width (mm) and density drop (HU). */
  halo: number;
  edemaDrop: number;
}
export interface VentricularBleed extends BleedBase {
  subtype: 'intraventricular';
  /** Patient-frame posterior distance from the head centre above which blood layers, mm; -Infinity = cast. */
  level: number;
}
export interface SubarachnoidBleed extends BleedBase {
  subtype: 'subarachnoid';
  u: number;
  v: number;
  zCenter: number;
  radius: number;
}
export type Bleed = ExtraAxialBleed | ParenchymalBleed | VentricularBleed | SubarachnoidBleed;

/**
 * How often each subtype is drawn: for the bleeds of a positive `synth` study and for the lesions
 * `--insert-into` plants (insert/lesion-plan.ts).
 */
export const SUBTYPE_WEIGHTS: readonly [HemorrhageSubtype, number][] = [
  ['epidural', 0.12],
  ['intraparenchymal', 0.28],
  ['intraventricular', 0.15],
  ['subarachnoid', 0.25],
  ['subdural', 0.3],
];

const NO_SUBTYPES: ReadonlySet<HemorrhageSubtype> = new Set();

/** One subtype drawn by SUBTYPE_WEIGHTS among those not in `exclude` (one `rng.next()`); `exclude` must leave one. */
export function pickSubtype(rng: Rng, exclude: ReadonlySet<HemorrhageSubtype> = NO_SUBTYPES): HemorrhageSubtype {
  const options = SUBTYPE_WEIGHTS.filter(([s]) => !exclude.has(s));
  let x = rng.next() * options.reduce((t, [, w]) => t + w, 0);
  for (const [s, w] of options) if ((x -= w) < 0) return s;
  return (options[options.length - 1] as [HemorrhageSubtype, number])[0];
}

/** Log-uniform in [lo, hi]: small bleeds as common as large ones per octave. */
const logUniform = (rng: Rng, lo: number, hi: number): number => Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));

/** The subtypes of one positive study: a first one, then coexisting ones (trauma, IPH → IVH). */
export function drawSubtypeSet(rng: Rng): HemorrhageSubtype[] {
  const set = new Set<HemorrhageSubtype>([pickSubtype(rng)]);
  if (set.has('intraparenchymal') && rng.chance(0.35)) set.add('intraventricular');
  if ((set.has('subdural') || set.has('epidural')) && rng.chance(0.3)) set.add('subarachnoid');
  while (rng.chance(0.25) && set.size < 5) set.add(pickSubtype(rng));
  return [...set];
}

function bloodHu(rng: Rng, subtle: boolean): number {
  return subtle ? rng.uniform(48, 58) : rng.uniform(55, 88);
}

/** Draws one bleed of `subtype` in `head` (levels are fractions of head height). */
export function drawBleed(rng: Rng, head: HeadParams, subtype: HemorrhageSubtype): Bleed {
  const subtle = rng.chance(0.25);
  const H = head.height;
  const side = rng.chance(0.5) ? 1 : -1;
  const noiseSeed = rng.int(0, 0x7fffffff);
  switch (subtype) {
    case 'epidural':
    case 'subdural': {
      const epi = subtype === 'epidural';
      const zCenter = H * rng.uniform(0.35, 0.75);
      const hz = epi ? logUniform(rng, 6, 28) : logUniform(rng, 12, 50);
      const maxThickness = subtle ? rng.uniform(1.5, 4) : epi ? logUniform(rng, 4, 24) : logUniform(rng, 2.5, 16);
      // Subdurals: mostly acute, some subacute (isodense to cortex) and chronic (hypodense) ones.
      const age = rng.next();
      const hu = subtype !== 'subdural' || subtle || age < 0.77 ? bloodHu(rng, subtle) : age < 0.92 ? rng.uniform(38, 50) : rng.uniform(12, 26);
      return {
        subtype,
        theta: side * (epi ? rng.uniform(0.9, 2.2) : rng.uniform(0.6, 2.4)),
        halfAngle: epi ? rng.uniform(0.2, 0.55) : rng.uniform(0.5, 1.3),
        zCenter,
        maxThickness,
        hu,
        mottle: rng.chance(0.3) ? rng.uniform(6, 18) : rng.uniform(1, 4),
        zMin: zCenter - hz,
        zMax: zCenter + hz,
        noiseSeed,
      };
    }
    case 'intraparenchymal': {
      const S = head.halfWidth / 72;
      const deep = rng.chance(0.5);
      const t = deep ? rng.uniform(0.36, 0.5) : rng.uniform(0.4, 0.75);
      const radius = subtle ? rng.uniform(2.5, 5) : logUniform(rng, 4, 24);
      const u = deep ? side * rng.uniform(10, 24) * S : side * rng.uniform(15, 45) * S;
      const v = deep ? rng.uniform(-10, 14) * S : rng.uniform(-55, 50) * S;
      const zCenter = H * t;
      return {
        subtype,
        u,
        v,
        zCenter,
        radius,
        halo: rng.uniform(1.5, 3 + radius * 0.35),
        edemaDrop: rng.uniform(5, 12),
        hu: bloodHu(rng, subtle),
        mottle: rng.uniform(2, 8),
        zMin: zCenter - radius * 1.35,
        zMax: zCenter + radius * 1.35,
        noiseSeed,
      };
    }
    case 'intraventricular': {
      const cast = rng.chance(0.2) && !subtle;
      const lo = H * rng.uniform(0.34, 0.45);
      return {
        subtype,
        level: cast ? -Infinity : rng.uniform(subtle ? 24 : 12, subtle ? 30 : 24) * (head.halfWidth / 72),
        hu: subtle ? rng.uniform(45, 55) : rng.uniform(50, 80),
        mottle: rng.uniform(1, 4),
        zMin: lo,
        zMax: lo + H * rng.uniform(0.06, 0.25),
        noiseSeed,
      };
    }
    case 'subarachnoid': {
      const basal = rng.chance(0.4);
      const zCenter = H * (basal ? rng.uniform(0.22, 0.32) : rng.uniform(0.4, 0.8));
      const radius = basal ? rng.uniform(20, 45) : subtle ? rng.uniform(8, 15) : logUniform(rng, 12, 45);
      const ang = side * rng.uniform(0.3, 2.8);
      const r = basal ? 0 : head.halfWidth * 0.8;
      return {
        subtype,
        u: Math.sin(ang) * r,
        v: -Math.cos(ang) * r * (head.halfLength / head.halfWidth),
        zCenter,
        radius,
        hu: subtle ? rng.uniform(42, 52) : rng.uniform(50, 78),
        mottle: rng.uniform(1, 4),
        zMin: zCenter - radius * 0.8,
        zMax: zCenter + radius * 0.8,
        noiseSeed,
      };
    }
  }
}

/** True when a suture lies on the short arc from `from` to `to`. */
function crossesSuture(from: number, to: number, sutures: readonly number[]): boolean {
  const span = wrapPi(to - from);
  for (const s of sutures) {
    const ds = wrapPi(s - from);
    if (Math.sign(ds) === Math.sign(span) && Math.abs(ds) < Math.abs(span)) return true;
  }
  return false;
}

/**
 * Paints the bleeds into `fields.hu` and sets subtype bits in `mask`, each pixel at its own height
 * `fields.z` (mm above the skull base). The head's in-plane rotation orients the gravity-aligned
 * fluid level of intraventricular blood.
 */
export function paintBleeds(bleeds: readonly Bleed[], fields: SliceFields, head: HeadParams, mask: Uint8Array): void {
  const n = fields.size * fields.size;
  const cosR = Math.cos(head.rotation);
  const sinR = Math.sin(head.rotation);
  for (const b of bleeds) {
    if (fields.zRange[1] < b.zMin || fields.zRange[0] > b.zMax) continue;
    const noise = cachedNoise(b.noiseSeed);
    const bit = SUBTYPE_BIT[b.subtype];
    for (let k = 0; k < n; k++) {
      const region = fields.region[k] as number;
      if (!isIntracranial(region)) continue;
      const z = fields.z[k] as number;
      if (z < b.zMin || z > b.zMax) continue;
      const u = fields.u[k] as number;
      const v = fields.v[k] as number;
      let inside = false;
      if (b.subtype === 'epidural' || b.subtype === 'subdural') {
        const theta = fields.theta[k] as number;
        if (Math.sign(Math.sin(theta)) !== Math.sign(Math.sin(b.theta))) continue; // falx / sagittal sinus
        const e = 1 - ((z - b.zCenter) / (b.zMax - b.zCenter)) ** 2;
        const half = b.halfAngle * Math.sqrt(Math.max(0, e));
        const d = Math.abs(wrapPi(theta - b.theta)) / Math.max(half, 1e-6);
        if (d >= 1) continue;
        const depth = fields.depth[k] as number;
        const wobble = 1 + 0.15 * noise(u / 8, v / 8, z / 8);
        const profile = b.subtype === 'epidural' ? 1 - d * d : Math.sqrt(1 - d ** 4);
        const thickness = b.maxThickness * Math.sqrt(Math.max(0, e)) * profile * wobble;
        if (depth >= thickness) continue;
        if (b.subtype === 'epidural' && crossesSuture(b.theta, theta, sutureAngles(z / head.height))) continue;
        inside = true;
      } else if (b.subtype === 'intraparenchymal') {
        const dz = z - b.zCenter;
        const dist = Math.sqrt((u - b.u) ** 2 + (v - b.v) ** 2 + dz * dz);
        if (dist > b.radius * 1.4 + b.halo) continue;
        const r = b.radius * (1 + 0.3 * noise(u / (0.7 * b.radius), v / (0.7 * b.radius), z / (0.7 * b.radius)));
        if (!isParenchyma(region) && region !== REGION.CSF) continue; // a clot fills the sulci it reaches
        if (dist >= r) {
          if (region === REGION.CSF) continue;
          if (dist < r + b.halo) fields.hu[k] = (fields.hu[k] as number) - b.edemaDrop * (1 - (dist - r) / b.halo);
          continue;
        }
        inside = true;
      } else if (b.subtype === 'intraventricular') {
        if (region !== REGION.VENTRICLE) continue;
        const posterior = sinR * u + cosR * v; // patient-frame y (gravity axis for a supine patient)
        inside = posterior > b.level;
      } else if (b.subtype === 'subarachnoid') {
        if (region !== REGION.CSF) continue;
        const dz = z - b.zCenter;
        const dist = Math.sqrt((u - b.u) ** 2 + (v - b.v) ** 2 + dz * dz);
        inside = dist < b.radius * (1 + 0.25 * noise(u / 10, v / 10, z / 10));
      }
      if (!inside) continue;
      fields.hu[k] = b.hu + b.mottle * noise(u / 2.5 + 31, v / 2.5, z / 2.5);
      mask[k] = (mask[k] as number) | bit;
    }
  }
}
