/**
 * Renders the anatomy of one axial slice in HU (before scanner effects): scalp, skull with tables,
 * diploe and sutures, and the intracranial contents (cortex with gyri and sulci, white matter,
 * deep grey nuclei, ventricles, cisterns, fissures, falx, posterior fossa and skull base bones).
 * Besides HU it returns the per-pixel fields that hemorrhage shapes need (head-frame coordinates,
 * angle, depth below the inner table, tissue region).
 */
import type { HeadParams } from './head-params.js';
import { midlineShiftAt, obliquityFactor, sectionScale } from './head-params.js';
import { fractalNoise } from './noise.js';
import type { Noise3 } from './noise.js';
import { classifyDeepStructure, classifySkullBase, describeSliceStructures } from './brain-structures.js';
import type { SliceStructures } from './brain-structures.js';
import { len2 } from './brain-structures.js';
import { REGION } from './regions.js';
import { classifyFace, classifyNeck, faceBoundary } from './extracranial.js';

/** The pixel grid of a slice: square, `size` × `size`, `spacing` mm, first pixel centre at (originX, originY). */
export interface SliceGrid {
  size: number;
  spacing: number;
  originX: number;
  originY: number;
}

/** Per-pixel fields, row-major, length size². */
export interface SliceFields {
  size: number;
  /** Head-frame coordinates, mm (u: + patient left; v: + posterior). */
  u: Float32Array;
  v: Float32Array;
  /** Height above the skull base, mm (varies across the slice when the head is pitched). */
  z: Float32Array;
  /** Bounds of `z` over the slice, mm. */
  zRange: [number, number];
  /** Angle around the head axis, radians: 0 anterior, +π/2 patient left, ±π posterior. */
  theta: Float32Array;
  /** Distance below the inner table of the skull, mm (negative in bone, scalp and air). */
  depth: Float32Array;
  /** Local radius of the inner table at this angle, mm. */
  innerRadius: Float32Array;
  /** Tissue class (REGION). */
  region: Uint8Array;
  /** Density, HU. */
  hu: Float32Array;
}

export interface HeadNoises {
  gyri: Noise3;
  texture: Noise3;
  bone: Noise3;
}

const ANGLE_STEPS = 2048;

/** Angles (radians, head frame) where skull sutures cross this level; epidural blood stops at them. */
export function sutureAngles(t: number): number[] {
  const out: number[] = [];
  if (t > 0.45) out.push(1.05 + 0.3 * (t - 0.45), -1.05 - 0.3 * (t - 0.45)); // coronal
  if (t > 0.2 && t < 0.8) out.push(2.45 - 0.2 * t, -2.45 + 0.2 * t); // lambdoid
  if (t > 0.78) out.push(0.02, Math.PI - 0.02); // sagittal, seen at the front and back of high slices
  return out;
}

function angleDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return d > Math.PI ? 2 * Math.PI - d : d;
}

/**
 * Dural venous sinuses (dense venous blood, 40–65 HU): the superior sagittal sinus, a triangle under
 * the inner table at the anterior and posterior midline above the skull base, and the transverse
 * sinuses along the posterior inner table low down.
 */
function inDuralSinus(head: HeadParams, t: number, theta: number, u: number, depth: number): boolean {
  const at = Math.abs(theta);
  if (t > 0.3 && depth < 7 && (at > 2.75 || at < 0.35)) return Math.abs(u) < 0.8 * (7 - depth) * (head.halfWidth / 72);
  return t > 0.1 && t < 0.24 && depth < 3.5 && at > 2.1;
}

function allocateFields(size: number, zRange: [number, number]): SliceFields {
  const n = size * size;
  const f: SliceFields = {
    size,
    u: new Float32Array(n),
    v: new Float32Array(n),
    z: new Float32Array(n),
    zRange,
    theta: new Float32Array(n),
    depth: new Float32Array(n),
    innerRadius: new Float32Array(n),
    region: new Uint8Array(n),
    hu: new Float32Array(n),
  };
  f.hu.fill(-1000);
  f.depth.fill(-1000);
  return f;
}

/** Resets fields for another slice of the same size (saves ~10 MB of allocation per 512² slice). */
function clearFields(f: SliceFields, zRange: [number, number]): SliceFields {
  f.zRange = zRange;
  f.theta.fill(0);
  f.innerRadius.fill(0);
  f.region.fill(0);
  f.hu.fill(-1000);
  f.depth.fill(-1000);
  return f; // u, v and z are written for every pixel
}

/** Everything about the head's section at one level t that does not vary within the section. */
interface LevelGeometry {
  t: number;
  /** Section half-axes (mm), posterior shift of its centre, face protrusion factor. */
  a: number;
  b: number;
  vShift: number;
  faceLength: number;
  faceCut: number;
  obliq: number;
  baseThick: number;
  scalp: number;
  reachU: number;
  reachV: number;
  sutures: number[];
  structures: SliceStructures;
  cortexT: number;
  innerPartialVolume: number;
}

/** Level bins per unit of t (0.005 t ≈ 0.75 mm): sections are described once per bin. */
const LEVEL_BINS = 200;

function describeLevel(head: HeadParams, t: number): LevelGeometry | undefined {
  const s = sectionScale(t);
  if (s * head.halfWidth < 4) return undefined; // above the vertex: air only
  const a = head.halfWidth * s;
  const b = head.halfLength * s;
  const obliq = obliquityFactor(head, t);
  const scalp = head.scalpThickness * Math.min(obliq, 2.5);
  const faceLength = t < 0.17 ? 1 + (0.22 * (0.17 - Math.max(t, 0))) / 0.17 : 1;
  return {
    t,
    a,
    b,
    vShift: t < 0.3 ? (10 * (0.3 - t)) / 0.3 : 0, // the posterior fossa sits behind the centre
    faceLength,
    faceCut: faceBoundary(b, t),
    obliq,
    baseThick: t < 0.2 ? 1 + (0.2 - t) * 3 : 1,
    scalp,
    reachU: a * 1.1 + scalp + 2, // the outline's harmonics stay below 10 %
    reachV: b * 1.1 + scalp + 2,
    sutures: sutureAngles(t),
    structures: describeSliceStructures(head, t),
    cortexT: head.cortexThickness * Math.min(obliq, 3),
    innerPartialVolume: 0.6 * Math.min(obliq, 3),
  };
}

/**
 * Renders one slice. `z` is mm above the skull base at the head centre; with the head pitched
 * (flexed or extended, `head.pitch`) the plane cuts different levels front and back:
 * z(v) = z + v · tan(pitch), level t = z(v) / head height.
 */
export function renderAnatomy(head: HeadParams, noises: HeadNoises, grid: SliceGrid, z: number, reuse?: SliceFields): SliceFields {
  const tanPitch = Math.tan(head.pitch);
  const zRange: [number, number] = [z - 130 * Math.abs(tanPitch), z + 130 * Math.abs(tanPitch)];
  const f = reuse && reuse.size === grid.size ? clearFields(reuse, zRange) : allocateFields(grid.size, zRange);
  // Section geometry per level bin, built lazily over the bins this slice spans.
  const firstBin = Math.floor((f.zRange[0] / head.height) * LEVEL_BINS) - 1;
  const levels: (LevelGeometry | null | undefined)[] = new Array(Math.ceil(((f.zRange[1] - f.zRange[0]) / head.height) * LEVEL_BINS) + 4);
  const levelAt = (zp: number): LevelGeometry | null => {
    const bin = Math.round((zp / head.height) * LEVEL_BINS);
    let L = levels[bin - firstBin];
    if (L === undefined) {
      L = describeLevel(head, bin / LEVEL_BINS) ?? null;
      levels[bin - firstBin] = L;
    }
    return L;
  };
  const cosR = Math.cos(head.rotation);
  const sinR = Math.sin(head.rotation);
  const surfaceCsf = 0.6 + 2.2 * head.atrophy;
  const sulcusWidth = 0.05 + 0.06 * head.atrophy;
  // Outline harmonics and skull-thickness variation as functions of the angle, sampled once.
  const outlineTable = new Float32Array(ANGLE_STEPS + 1);
  const thicknessTable = new Float32Array(ANGLE_STEPS + 1);
  for (let q = 0; q <= ANGLE_STEPS; q++) {
    const th = -Math.PI + (2 * Math.PI * q) / ANGLE_STEPS;
    let harm = 1;
    head.harmonics.forEach((hm, h) => (harm += hm.amp * Math.cos((h + 2) * th + hm.phase)));
    outlineTable[q] = harm;
    thicknessTable[q] = 1 + 0.12 * noises.bone(Math.cos(th) * 3 + 7, Math.sin(th) * 3 + 7, z / 25);
  }
  const angleIndex = (th: number): number => Math.round(((th + Math.PI) / (2 * Math.PI)) * ANGLE_STEPS);
  const outlineAt = (th: number): number => outlineTable[angleIndex(th)] ?? 1;
  const thicknessAt = (th: number): number => thicknessTable[angleIndex(th)] ?? 1;
  for (let j = 0; j < grid.size; j++) {
    const y = grid.originY + j * grid.spacing - head.centerY;
    for (let i = 0; i < grid.size; i++) {
      const k = j * grid.size + i;
      const x = grid.originX + i * grid.spacing - head.centerX;
      const u = cosR * x + sinR * y;
      const v = -sinR * x + cosR * y;
      const zs = z + v * tanPitch; // this pixel's height above the skull base, mm
      f.u[k] = u;
      f.v[k] = v;
      f.z[k] = zs;
      const L = levelAt(zs);
      if (!L) continue;
      const { a, b, t } = L;
      const vv = v - L.vShift;
      if (u > L.reachU || u < -L.reachU || vv > L.reachV || vv < -L.reachV * L.faceLength) continue; // far outside: air
      const theta = Math.atan2(u, -vv);
      const harm = outlineAt(theta);
      const aEff = a * (1 + 0.06 * Math.max(-1, Math.min(1, vv / b)));
      const bEff = vv < 0 ? b * L.faceLength : b; // the face protrudes in front of the cranium low down
      const rho = Math.sqrt((u / aEff) ** 2 + (vv / bEff) ** 2) / harm;
      const rr = len2(u, vv);
      const rOuter = rho > 1e-6 ? rr / rho : Math.min(a, b);
      const dOut = rOuter - rr;
      f.theta[k] = theta;
      if (dOut < -L.scalp) continue; // air
      const sinT = rr > 1e-6 ? u / rr : 0;
      const thick = head.skullThickness * (1 - head.temporalThinning * sinT * sinT) * thicknessAt(theta) * L.obliq * L.baseThick;
      f.innerRadius[k] = rOuter - thick;
      f.depth[k] = dOut - thick;
      if (t < 0) {
        classifyNeck(f, k, head, noises, u, v, dOut, zs, a, b);
        continue;
      }
      if (v < L.faceCut) {
        classifyFace(f, k, noises, u, v, dOut, zs, a, b, L.faceCut, t);
        continue;
      }
      if (dOut < 0) {
        const frac = -dOut / L.scalp; // 0 at bone, 1 at skin
        const fat = frac > 0.25 && frac < 0.25 + head.scalpFat * 0.6;
        f.region[k] = REGION.SCALP;
        f.hu[k] = fat ? -95 + 15 * noises.texture(u / 3, v / 3, zs / 3) : 42 + 4 * noises.texture(u / 4, v / 4, zs / 4);
        continue;
      }
      if (dOut < thick) {
        f.region[k] = REGION.BONE;
        let onSuture = false;
        for (const sa of L.sutures) if (angleDistance(theta, sa + 0.012 * Math.sin(dOut * 2.2)) * rr < 0.45) onSuture = true;
        const tableT = Math.min(2, thick / 3);
        const inTable = dOut < tableT || dOut > thick - tableT;
        const boneN = noises.bone(u / 1.5, v / 1.5, zs / 1.5);
        f.hu[k] = onSuture ? 250 : inTable ? head.corticalHu + 120 * boneN : head.diploeHu + 250 * boneN;
        continue;
      }
      const depth = dOut - thick;
      if (depth < L.innerPartialVolume) {
        // Partial volume of the inner table: a thin ring grading from bone to CSF density, wider
        // where the section cuts the table obliquely; it puts 60–100 HU pixels where no blood is.
        f.region[k] = REGION.BONE;
        f.hu[k] = head.corticalHu + (head.csfHu - head.corticalHu) * Math.sqrt(depth / L.innerPartialVolume);
        continue;
      }
      if (inDuralSinus(head, t, theta, u, depth)) {
        f.region[k] = REGION.DURA; // venous blood in a dural sinus: dense, but not a hemorrhage
        f.hu[k] = head.sinusHu + 2 * noises.texture(u / 3, v / 3, zs / 3);
        continue;
      }
      if (classifySkullBase(f, k, head, noises, L.structures, u, v, zs, t)) continue;
      if (classifyDeepStructure(f, k, head, noises, L.structures, u - midlineShiftAt(head, zs, v, b), v, zs, depth)) continue;
      // Convexity: surface CSF, cortex folded by a smooth random field (sulci at its zero set), white matter.
      const tex = noises.texture(u / 5, v / 5, zs / 5);
      if (depth < surfaceCsf) {
        f.region[k] = REGION.CSF;
        f.hu[k] = head.csfHu;
        continue;
      }
      // Sulci run roughly perpendicular to the surface: the field varies fast along the surface
      // (arc length) and slowly with depth, so its zero set forms wiggly, radially oriented clefts.
      const into = depth - surfaceCsf;
      const taper = 1 - into / head.sulcusDepth;
      if (taper <= -0.15 && into >= L.cortexT) {
        f.region[k] = REGION.WHITE; // below the sulci: no need for the fold field
        f.hu[k] = head.whiteHu + 2 * tex;
        continue;
      }
      const arc = theta * (f.innerRadius[k] ?? 60);
      const g = Math.abs(
        fractalNoise(noises.gyri, arc / head.gyrusScale, into / (2.2 * head.gyrusScale), zs / head.gyrusScale) +
          0.25 * noises.gyri(u / 7 + 50, v / 7, zs / 7),
      );
      if (taper > 0 && g < sulcusWidth * taper) {
        f.region[k] = REGION.CSF;
        f.hu[k] = head.csfHu;
      } else if (into < L.cortexT || (taper > -0.15 && g < sulcusWidth * Math.max(0, taper) + 0.09)) {
        f.region[k] = REGION.GRAY;
        f.hu[k] = head.grayHu + 1.6 * tex;
      } else {
        f.region[k] = REGION.WHITE;
        f.hu[k] = head.whiteHu + 2 * tex;
      }
    }
  }
  return f;
}
