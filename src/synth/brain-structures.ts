/**
 * Deep intracranial structures by level t (0 skull base … 1 vertex), in the head frame (mm, scaled
 * by head size): lateral/third/fourth ventricles and temporal horns, basal cisterns, Sylvian and
 * interhemispheric fissures, falx, basal ganglia and thalami, posterior fossa (cerebellum,
 * brainstem) and skull-base bone and air (petrous ridges, clivus, sphenoid sinus, mastoid cells,
 * anterior skull base). Shapes are unions of rotated ellipses whose size follows the level.
 */
import type { HeadParams } from './head-params.js';
import { REGION } from './regions.js';
import type { HeadNoises, SliceFields } from './anatomy.js';

export interface Ellipse {
  cu: number;
  cv: number;
  au: number;
  av: number;
  cos: number;
  sin: number;
}

function ellipse(cu: number, cv: number, au: number, av: number, rot = 0): Ellipse {
  return { cu, cv, au: Math.max(au, 1e-3), av: Math.max(av, 1e-3), cos: Math.cos(rot), sin: Math.sin(rot) };
}

/** Normalised squared radius of (u, v) in an ellipse: < 1 inside. */
export function ellipseQ(e: Ellipse, u: number, v: number): number {
  const du = u - e.cu;
  const dv = v - e.cv;
  const a = (e.cos * du + e.sin * dv) / e.au;
  const b = (-e.sin * du + e.cos * dv) / e.av;
  return a * a + b * b;
}

/** Euclidean length (Math.hypot is several times slower in V8). */
export function len2(x: number, y: number): number {
  return Math.sqrt(x * x + y * y);
}

function setPixel(f: SliceFields, k: number, region: number, hu: number): true {
  f.region[k] = region;
  f.hu[k] = hu;
  return true;
}

function inAny(list: readonly Ellipse[], u: number, v: number): boolean {
  for (let i = 0; i < list.length; i++) if (ellipseQ(list[i] as Ellipse, u, v) < 1) return true;
  return false;
}

/** What exists at one level; computed once per slice. */
export interface SliceStructures {
  t: number;
  scale: number;
  ventricles: Ellipse[];
  choroid: Ellipse[];
  /** Basal ganglia calcifications (HU in head.basalGangliaCalcHu). */
  bgCalc: Ellipse[];
  cisternCsf: Ellipse[];
  deepGray: Ellipse[];
  brainstem: Ellipse[];
  /** Midline: falx present (anterior/posterior of the corpus callosum at mid levels). */
  falx: boolean;
  /** Falx gap (|v| below this has no falx: corpus callosum level), mm. */
  falxGap: number;
  fissureHalfWidth: number;
  sylvian: boolean;
  posteriorFossa: boolean;
  skullBase: boolean;
}

/** Presence weight of a structure spanning [lo, hi] in t: 0 outside, up to 1 at the middle. */
function span(t: number, lo: number, hi: number): number {
  if (t <= lo || t >= hi) return 0;
  const x = (2 * (t - lo)) / (hi - lo) - 1;
  return Math.sqrt(1 - x * x);
}

export function describeSliceStructures(head: HeadParams, t: number): SliceStructures {
  const S = head.halfWidth / 72;
  const fv = 1 + 1.3 * head.atrophy; // ventricle enlargement
  const ventricles: Ellipse[] = [];
  const choroid: Ellipse[] = [];
  const bgCalc: Ellipse[] = [];
  const deepGray: Ellipse[] = [];
  const cisternCsf: Ellipse[] = [];
  const brainstem: Ellipse[] = [];
  for (const side of [-1, 1]) {
    const fh = span(t, 0.36, 0.58);
    if (fh > 0) ventricles.push(ellipse(side * (4 + 1.8 * fv) * S, -19 * S, (2.2 + 2.2 * fv) * fh * S, 11 * fh * S, side * -0.35));
    const body = span(t, 0.44, 0.66);
    if (body > 0) ventricles.push(ellipse(side * (6 + 2 * fv) * S, 0, (1.8 + 1.8 * fv) * body * S, 17 * body * S, side * 0.12));
    const atr = span(t, 0.36, 0.53);
    if (atr > 0) {
      ventricles.push(ellipse(side * (13 + 2 * fv) * S, 22 * S, (2.8 + 2.4 * fv) * atr * S, 10 * atr * S, side * 0.5));
      if (head.choroidCalcHu > 0 && t > 0.41 && t < 0.49) choroid.push(ellipse(side * (13 + 2 * fv) * S, 21 * S, 2.2 * S, 2.6 * S));
    }
    const th = span(t, 0.25, 0.37);
    if (th > 0) ventricles.push(ellipse(side * 27 * S, 4 * S, (0.8 + 0.9 * fv) * th * S, 7 * th * S, side * 0.3));
    const bg = span(t, 0.32, 0.53);
    if (bg > 0) {
      deepGray.push(ellipse(side * 21 * S, -3 * S, 5.5 * bg * S, 12 * bg * S, side * 0.22));
      deepGray.push(ellipse(side * 9 * S, 11 * S, 6.5 * bg * S, 9 * bg * S, side * -0.1));
    }
    if (head.basalGangliaCalcHu > 0 && bg > 0.5) bgCalc.push(ellipse(side * 16 * S, -2 * S, 1.6 * bg * S, 3.5 * bg * S, side * 0.22));
    const caud = span(t, 0.42, 0.58);
    if (caud > 0) deepGray.push(ellipse(side * (8 + 2 * fv) * S, -16 * S, 3.2 * caud * S, 6 * caud * S, side * -0.3));
  }
  const third = span(t, 0.29, 0.43);
  if (third > 0) ventricles.push(ellipse(0, 3 * S, (0.7 + 1.0 * head.atrophy) * S, 9 * third * S));
  const fourth = span(t, 0.09, 0.21);
  if (fourth > 0) ventricles.push(ellipse(0, 20 * S, 5 * fourth * S, 3.5 * fourth * S));
  const cis = span(t, 0.19, 0.31);
  if (cis > 0) {
    cisternCsf.push(ellipse(0, -7 * S, (6 + 2 * head.atrophy) * cis * S, (6 + 2 * head.atrophy) * cis * S));
    cisternCsf.push(ellipse(0, 6 * S, (12 + 1.5 * head.atrophy) * S, (11 + 1.5 * head.atrophy) * S)); // ambient ring (outer)
    brainstem.push(ellipse(0, 6 * S, 10 * S, 9 * S)); // midbrain inside the ring
  }
  const pons = span(t, 0.0, 0.22);
  if (pons > 0) brainstem.push(ellipse(0, 6 * S, 11 * Math.max(0.6, pons) * S, 10 * Math.max(0.6, pons) * S));
  return {
    t,
    scale: S,
    ventricles,
    choroid,
    bgCalc,
    cisternCsf,
    deepGray,
    brainstem,
    falx: t > 0.3,
    falxGap: t > 0.38 && t < 0.62 ? 24 * S * span(t, 0.38, 0.62) : 0,
    fissureHalfWidth: 0.5 + 1.6 * head.atrophy,
    sylvian: t > 0.26 && t < 0.46,
    posteriorFossa: t < 0.26,
    skullBase: t < 0.24,
  };
}

/**
 * Skull base and posterior fossa: writes the pixel and returns true when a base structure owns it.
 * `u, v` head frame (mm), `zs` mm, `t` level.
 */
export function classifySkullBase(f: SliceFields, k: number, head: HeadParams, noises: HeadNoises, st: SliceStructures, u: number, v: number, zs: number, t: number): boolean {
  if (!st.skullBase && !st.posteriorFossa) return false;
  const S = st.scale;
  const bn = noises.bone(u / 2.5, v / 2.5, zs / 2.5);
  if (st.skullBase) {
    // Sphenoid sinus with a thin bony rim.
    const sph = ellipseQ(ellipse(0, -24 * S, 12 * S, 8 * S), u, v);
    if (t < 0.17 && sph < 1) return sph < 0.72 ? setPixel(f, k, REGION.AIR, -1000) : setPixel(f, k, REGION.BONE, 900);
    // Clivus and dorsum sellae.
    if (t < 0.16 && ellipseQ(ellipse(0, -8 * S, 8 * S, 9 * S), u, v) < 1) return setPixel(f, k, REGION.BONE, 650 + 250 * bn);
    // Petrous bones: dense, tapering from the mastoid (lateral, posterior) to the apex, with an
    // irregular edge; mastoid air cells at the lateral end.
    const w = 9 - 50 * Math.abs(t - 0.12);
    if (w > 0) {
      const au = Math.abs(u);
      const p1u = 12 * S, p1v = 0, p2u = 56 * S, p2v = 26 * S;
      const du = p2u - p1u, dv = p2v - p1v;
      const tt = Math.max(0, Math.min(1, ((au - p1u) * du + (v - p1v) * dv) / (du * du + dv * dv)));
      const dist = len2(au - p1u - tt * du, v - p1v - tt * dv);
      const width = w * S * (0.35 + 0.75 * tt) * (1 + 0.3 * noises.bone(u / 5, v / 5, zs / 5));
      if (dist < width) {
        if (tt > 0.7 && t < 0.16 && bn > 0.05) return setPixel(f, k, REGION.AIR, -1000);
        return setPixel(f, k, REGION.BONE, 1350 + 350 * bn);
      }
    }
  }
  if (st.posteriorFossa) {
    const vt = -2 * S + (u * u) / (70 * S); // tentorial notch: a parabola opening posteriorly
    if (v > vt) {
      if (inAny(st.ventricles, u, v)) {
        f.region[k] = REGION.VENTRICLE;
        f.hu[k] = head.csfHu;
        return true;
      }
      if (inAny(st.brainstem, u, v)) {
        f.region[k] = REGION.BRAINSTEM;
        f.hu[k] = head.whiteHu + 4 + 1.2 * noises.texture(u / 4, v / 4, zs / 4);
        return true;
      }
      // Cerebellar folia: a finer fold pattern than the cerebral gyri.
      const g = Math.abs(noises.gyri(u / 7 + 40, v / 7, zs / 7));
      const depth = f.depth[k] ?? 0;
      if (depth < 0.8 + 1.5 * head.atrophy || (depth < 14 && g < (0.02 + 0.04 * head.atrophy) * (1 - depth / 14))) {
        f.region[k] = REGION.CSF;
        f.hu[k] = head.csfHu;
      } else {
        f.region[k] = REGION.CEREBELLUM;
        f.hu[k] = 0.5 * (head.grayHu + head.whiteHu) + 4 + 1.5 * noises.texture(u / 3, v / 3, zs / 3);
      }
      return true;
    }
    if (Math.abs(v - vt) < 0.5) {
      f.region[k] = REGION.DURA; // tentorium edge
      f.hu[k] = 0.5 * (head.falxHu + head.grayHu);
      return true;
    }
  }
  return false;
}

/**
 * Ventricles, choroid calcification, cisterns, fissures, falx and deep grey nuclei above the skull
 * base. Writes the pixel and returns true when one of them owns it.
 */
export function classifyDeepStructure(f: SliceFields, k: number, head: HeadParams, noises: HeadNoises, st: SliceStructures, u: number, v: number, zs: number, depth: number): boolean {
  if (inAny(st.choroid, u, v)) return setPixel(f, k, REGION.VENTRICLE, head.choroidCalcHu);
  if (inAny(st.ventricles, u, v)) return setPixel(f, k, REGION.VENTRICLE, head.csfHu);
  if (st.cisternCsf.length > 0) {
    if (inAny(st.brainstem, u, v)) return setPixel(f, k, REGION.BRAINSTEM, head.whiteHu + 5 + 1.2 * noises.texture(u / 4, v / 4, zs / 4));
    if (inAny(st.cisternCsf, u, v)) return setPixel(f, k, REGION.CSF, head.csfHu);
  }
  const au = Math.abs(u);
  if (st.falx && Math.abs(v) >= st.falxGap) {
    if (au < 0.5) return setPixel(f, k, REGION.DURA, head.falxHu);
    if (au < 0.5 + st.fissureHalfWidth) return setPixel(f, k, REGION.CSF, head.csfHu);
  }
  if (st.sylvian && au > 24 * st.scale && depth > 0.5) {
    const line = -6 * st.scale + 0.35 * (au - 24 * st.scale);
    const wobble = 1.2 * noises.gyri(au / 6, v / 6, zs / 6);
    if (Math.abs(v - line + wobble) < 0.9 + 1.4 * head.atrophy) return setPixel(f, k, REGION.CSF, head.csfHu);
  }
  if (inAny(st.bgCalc, u, v)) return setPixel(f, k, REGION.DEEP_GRAY, head.basalGangliaCalcHu);
  if (inAny(st.deepGray, u, v)) return setPixel(f, k, REGION.DEEP_GRAY, head.deepGrayHu + 1.2 * noises.texture(u / 4, v / 4, zs / 4));
  return false;
}
