/**
 * Per series, the seeded choice of 0–2 lesions and where they go. Subtypes are drawn with
 * `synth`'s weights (SUBTYPE_WEIGHTS in ../hemorrhage.ts: epidural 0.12, intraparenchymal 0.28,
 * intraventricular 0.15, subarachnoid 0.25, subdural 0.30), one or two distinct ones (40 % two),
 * each anchored on anatomy found in the slices (anatomy.ts): extra-axial bleeds on the inner table,
 * parenchymal ones in brain at least their radius deep (deep = basal ganglia/thalamus, 12–26 mm
 * from the midline near the centre), intraventricular ones on the ventricles found from CSF HU,
 * subarachnoid ones on convexity sulci or the basal cisterns. Lesions stay within the longest run of "brain slices" (cavity ≥ 35 % of the
 * series' largest), so the skull base, where the cavity cannot be found reliably, is avoided:
 * each is slid along the slice normal (and shortened if need be) to fit inside that run.
 *
 * `perSliceProb` sets how much of the output bleeds: a series gets its lesions with probability
 * min(1, p · brain slices / slices the lesions cover), so about a share p of the brain slices
 * carry blood when lesions are smaller than that, and every series bleeds when they are larger.
 */
import { createRng, type Rng } from '../../core/random.js';
import { toMidline, type AnatomySummary, type SliceAnatomy } from './anatomy.js';
import type { BloodAge, HeadAxis, Lesion } from './lesion-types.js';
import { pickSubtype, SUBTYPE_WEIGHTS } from '../hemorrhage.js';
import type { HemorrhageSubtype } from '../types.js';

export interface SeriesPlanInput {
  summaries: readonly AnatomySummary[];
  /** Slice positions along the normal (ascending), mm, and the slice thickness, mm. */
  positions: readonly number[];
  thickness: number;
  /** Recomputes the full anatomy of slice k (the planner keeps only summaries in memory). */
  anatomyAt: (k: number) => SliceAnatomy;
  perSliceProb: number;
  /** Gravity for a supine patient (patient +y) in (a, b, s) components. */
  gravity: [number, number, number];
}

export interface SeriesPlan {
  head: HeadAxis | undefined;
  /** Indices of the brain run's first and last slice (inclusive); undefined without brain. */
  run: [number, number] | undefined;
  lesions: Lesion[];
}

/** Slices whose cavity is at least this share of the series' largest count as brain slices. */
const BRAIN_SLICE_SHARE = 0.35;

/** Density by age (HU): acute clot 60–85, hyperacute (unretracted, mixed with serum) 50–62, subacute 40–55. */
function drawAge(rng: Rng, subtype: HemorrhageSubtype): { age: BloodAge; hu: number } {
  const x = rng.next();
  // Blood in CSF (SAH, IVH) is seen acute: it clears before it ages.
  if (subtype === 'subarachnoid' || subtype === 'intraventricular') return { age: 'acute', hu: rng.uniform(55, 80) };
  if (x < 0.1) return { age: 'hyperacute', hu: rng.uniform(50, 62) };
  if (x < 0.75) return { age: 'acute', hu: rng.uniform(60, 85) };
  return { age: 'subacute', hu: rng.uniform(40, 55) };
}

/** The longest run of brain slices, as [first, last]. */
function brainRun(summaries: readonly AnatomySummary[]): [number, number] | undefined {
  const max = Math.max(0, ...summaries.map((s) => s.cavityMm2));
  if (max < 2000) return undefined; // less than ~ a 5 cm disc: no brain found in this series
  let best: [number, number] | undefined;
  let start = -1;
  for (let k = 0; k <= summaries.length; k++) {
    const ok = k < summaries.length && (summaries[k] as AnatomySummary).cavityMm2 >= BRAIN_SLICE_SHARE * max;
    if (ok && start < 0) start = k;
    if (!ok && start >= 0) {
      if (!best || k - 1 - start > best[1] - best[0]) best = [start, k - 1];
      start = -1;
    }
  }
  return best;
}

function headAxis(summaries: readonly AnatomySummary[], run: [number, number], gravity: [number, number, number]): HeadAxis {
  let w = 0, a = 0, b = 0, c2 = 0, s2 = 0, maxArea = 0;
  for (let k = run[0]; k <= run[1]; k++) {
    const s = summaries[k] as AnatomySummary;
    w += s.cavityMm2;
    a += s.cavityMm2 * s.centroid[0];
    b += s.cavityMm2 * s.centroid[1];
    // Axes are directions (mod π): average the doubled angle.
    c2 += s.cavityMm2 * Math.cos(2 * s.axisAngle);
    s2 += s.cavityMm2 * Math.sin(2 * s.axisAngle);
    maxArea = Math.max(maxArea, s.cavityMm2);
  }
  return { ca: a / w, cb: b / w, axisAngle: 0.5 * Math.atan2(s2, c2), radius: Math.sqrt(maxArea / Math.PI), gravity };
}

/** A random pixel (a, b in mm) of `anat` where `ok(k)` holds; undefined when none does. */
function pickPixel(anat: SliceAnatomy, rng: Rng, ok: (k: number) => boolean): [number, number] | undefined {
  const { rows, cols, dx, dy, a0, b0 } = anat.frame;
  const found: number[] = [];
  for (let r = 0; r < rows; r += 2) for (let c = 0; c < cols; c += 2) if (ok(r * cols + c)) found.push(r * cols + c);
  if (found.length === 0) return undefined;
  const k = found[rng.int(0, found.length - 1)] as number;
  return [a0 + (k % cols) * dx, b0 + Math.floor(k / cols) * dy];
}

/** A slice index of the run, favouring large sections (mid-brain levels), within [lo, hi] of the run (fractions). */
function pickLevel(rng: Rng, input: SeriesPlanInput, run: [number, number], lo = 0, hi = 1): number {
  const n = run[1] - run[0] + 1;
  const first = run[0] + Math.floor(lo * (n - 1));
  const last = run[0] + Math.ceil(hi * (n - 1));
  let total = 0;
  for (let k = first; k <= last; k++) total += (input.summaries[k] as AnatomySummary).cavityMm2;
  let x = rng.next() * total;
  for (let k = first; k <= last; k++) if ((x -= (input.summaries[k] as AnatomySummary).cavityMm2) < 0) return k;
  return last;
}

/** Draws one lesion of `subtype`; undefined when the anatomy it needs was not found. */
function drawLesion(rng: Rng, subtype: HemorrhageSubtype, input: SeriesPlanInput, run: [number, number], head: HeadAxis): Lesion | undefined {
  const { positions, thickness } = input;
  const base = {
    ...drawAge(rng, subtype),
    textureHu: rng.uniform(1.5, 5),
    sMin: (positions[run[0]] as number) - thickness / 2,
    sMax: (positions[run[1]] as number) + thickness / 2,
    noiseSeed: Math.floor(rng.next() * 0xffffffff),
  };
  const side: 1 | -1 = rng.chance(0.5) ? 1 : -1;
  const jitter = (): number => rng.uniform(-thickness / 2, thickness / 2);
  if (subtype === 'epidural' || subtype === 'subdural') {
    const k = pickLevel(rng, input, run, 0.15, 0.95);
    const s0 = (positions[k] as number) + jitter();
    const R = Math.sqrt((input.summaries[k] as AnatomySummary).cavityMm2 / Math.PI);
    if (subtype === 'epidural') {
      // Temporal/parietal mostly (middle meningeal artery), frontal sometimes; arcs short (sutures).
      return { ...base, subtype, theta0: side * rng.uniform(0.2 * Math.PI, 0.8 * Math.PI), thetaHalf: rng.uniform(20, 42) / R, thickness: rng.uniform(5, 20), s0, sHalf: rng.uniform(12, 28), side };
    }
    return { ...base, subtype, theta0: side * rng.uniform(0.3 * Math.PI, 0.7 * Math.PI), thetaHalf: rng.uniform(45, 95) / R, thickness: rng.uniform(3, 14), s0, sHalf: rng.uniform(20, 45), side };
  }
  if (subtype === 'intraparenchymal') {
    const r = 5 + 15 * rng.next() ** 2; // mm: most bleeds are small
    const deep = rng.chance(0.45);
    for (let attempt = 0; attempt < 6; attempt++) {
      const k = deep ? pickLevel(rng, input, run, 0.25, 0.6) : pickLevel(rng, input, run, 0.2, 0.9);
      const anat = input.anatomyAt(k);
      const centre = pickPixel(anat, rng, (j) => {
        if (!anat.cavity[j] || anat.ventricle[j] || (anat.depth[j] as number) < r + 4) return false;
        const s = anat.smooth[j] as number;
        if (s < 18 || s > 50) return false;
        if (!deep) return true;
        const { frame } = anat;
        const { lat, ap } = toMidline(head, frame.a0 + (j % frame.cols) * frame.dx, frame.b0 + Math.floor(j / frame.cols) * frame.dy);
        return Math.abs(lat) > 12 && Math.abs(lat) < 26 && Math.abs(ap) < 18;
      });
      if (!centre) continue;
      // Oedema from its own stream (drawn from the lesion's noise seed), so adding it left the other draws as they were.
      const o = createRng(base.noiseSeed ^ 0x0ede);
      const oedemaMm = base.age === 'hyperacute' ? 0 : base.age === 'acute' ? o.uniform(1.5, 6) : o.uniform(3, 8);
      return {
        ...base,
        subtype,
        centre: [centre[0], centre[1], (positions[k] as number) + jitter()],
        radii: [r * rng.uniform(0.85, 1.3), r * rng.uniform(0.65, 1), r * rng.uniform(0.7, 1.1)],
        angle: rng.uniform(0, Math.PI),
        lobulation: rng.uniform(0.1, 0.3),
        deep,
        oedemaMm,
        oedemaHu: o.uniform(3, 8),
      };
    }
    return undefined;
  }
  if (subtype === 'intraventricular') {
    let best = -1;
    for (let k = run[0]; k <= run[1]; k++) if ((input.summaries[k] as AnatomySummary).ventricleMm2 > (input.summaries[best]?.ventricleMm2 ?? 100)) best = k;
    const vc = input.summaries[best]?.ventricleCentroid;
    if (best < 0 || !vc) return undefined;
    const centre: [number, number, number] = [vc[0], vc[1], (positions[best] as number) + jitter()];
    // Supine patients layer blood in the occipital horns: blood where the gravity coordinate (mm,
    // posterior positive) exceeds the level; 30 % fill the region (casts).
    const [ga, gb, gs] = input.gravity;
    const level = rng.chance(0.7) ? centre[0] * ga + centre[1] * gb + centre[2] * gs + rng.uniform(-4, 12) : undefined;
    return { ...base, subtype, centre, radii: [rng.uniform(25, 45), rng.uniform(25, 45), rng.uniform(10, 25)], level };
  }
  // subarachnoid
  const basal = rng.chance(0.4);
  const k = basal ? pickLevel(rng, input, run, 0.1, 0.35) : pickLevel(rng, input, run, 0.3, 0.95);
  const anat = input.anatomyAt(k);
  const centre = basal
    ? ([head.ca + rng.uniform(-8, 8), head.cb + rng.uniform(-8, 8)] as [number, number])
    : pickPixel(anat, rng, (j) => anat.cavity[j] === 1 && (anat.depth[j] as number) > 1 && (anat.depth[j] as number) < 10);
  if (!centre) return undefined;
  return { ...base, subtype, centre: [centre[0], centre[1], (positions[k] as number) + jitter()], radius: basal ? rng.uniform(20, 32) : rng.uniform(15, 35), maxDepth: basal ? Infinity : 20, basal };
}

/** How many slices lie within the lesions' s-extents (an estimate of the positive slices). */
function coveredSlices(lesions: readonly Lesion[], positions: readonly number[]): number {
  let n = 0;
  for (const s of positions) {
    if (lesions.some((l) => s >= Math.max(l.sMin, extentOf(l)[0]) && s <= Math.min(l.sMax, extentOf(l)[1]))) n++;
  }
  return n;
}

/** The s-extent (mm) a lesion's shape spans before clipping to its run. */
export function extentOf(l: Lesion): [number, number] {
  switch (l.subtype) {
    case 'epidural':
    case 'subdural':
      return [l.s0 - l.sHalf, l.s0 + l.sHalf];
    case 'intraparenchymal':
      return [l.centre[2] - l.radii[2] * (1 + l.lobulation), l.centre[2] + l.radii[2] * (1 + l.lobulation)];
    case 'intraventricular':
      return [l.centre[2] - l.radii[2], l.centre[2] + l.radii[2]];
    case 'subarachnoid':
      return [l.centre[2] - l.radius * 1.3, l.centre[2] + l.radius * 1.3];
  }
}

/**
 * Slides a lesion along s (and shortens it along s when it is taller than the run) so its whole
 * extent lies within its run of brain slices: it then tapers off at both ends as real bleeds do,
 * instead of being cut flat where the run ends (as `synth` keeps its bleeds within the stack).
 */
function fitToRun(l: Lesion): void {
  const lo = l.sMin;
  const hi = l.sMax;
  const [a, b] = extentOf(l);
  const scale = Math.min(1, (hi - lo) / (b - a));
  if (scale < 1) {
    if (l.subtype === 'epidural' || l.subtype === 'subdural') l.sHalf *= scale;
    else if (l.subtype === 'intraparenchymal' || l.subtype === 'intraventricular') l.radii[2] *= scale;
  }
  const [a2, b2] = extentOf(l);
  const half = (b2 - a2) / 2;
  const centre = (a2 + b2) / 2;
  const ds = centre - half < lo ? Math.min(lo + half, (lo + hi) / 2) - centre : centre + half > hi ? Math.max(hi - half, (lo + hi) / 2) - centre : 0;
  if (l.subtype === 'epidural' || l.subtype === 'subdural') l.s0 += ds;
  else if (l.subtype === 'intraparenchymal' || l.subtype === 'intraventricular' || l.subtype === 'subarachnoid') l.centre[2] += ds;
}

/** Plans the lesions of one series (see the module comment). */
export function planSeriesLesions(rng: Rng, input: SeriesPlanInput): SeriesPlan {
  const run = brainRun(input.summaries);
  if (!run || run[1] - run[0] < 1) return { head: undefined, run, lesions: [] };
  const head = headAxis(input.summaries, run, input.gravity);
  const count = rng.chance(0.4) ? 2 : 1;
  const chosen = new Set<HemorrhageSubtype>();
  const lesions: Lesion[] = [];
  for (let attempt = 0; attempt < 6 && lesions.length < count; attempt++) {
    const subtype = pickSubtype(rng, chosen);
    chosen.add(subtype);
    const l = drawLesion(rng, subtype, input, run, head);
    if (l) {
      fitToRun(l);
      lesions.push(l);
    }
    if (chosen.size === SUBTYPE_WEIGHTS.length) break;
  }
  const brainSlices = run[1] - run[0] + 1;
  const covered = Math.max(1, coveredSlices(lesions, input.positions));
  const keep = rng.next() < Math.min(1, (input.perSliceProb * brainSlices) / covered);
  return { head, run, lesions: keep ? lesions : [] };
}
