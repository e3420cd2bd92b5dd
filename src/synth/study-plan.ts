/**
 * One synthetic study: everything drawn for it (head, scanner, encoding, bleeds, identifiers, slice
 * heights) from a generator seeded by (dataset seed, study index) alone, so studies can be made in
 * any order or resumed and still come out identical; and the rendering of one of its slices into a
 * DICOM file, a mask and the ground-truth HU.
 */
import { createRng } from '../core/random.js';
import type { ImageId, SopInstanceUid } from '../core/ids.js';
import type { HeadNoises, SliceFields, SliceGrid } from './anatomy.js';
import { renderAnatomy } from './anatomy.js';
import { drawHeadParams } from './head-params.js';
import type { HeadParams } from './head-params.js';
import { drawBleed, drawSubtypeSet, paintBleeds } from './hemorrhage.js';
import type { Bleed } from './hemorrhage.js';
import { createValueNoise } from './noise.js';
import { addBeamHardening, addCorrelatedNoise, blurInPlace, createCircleMask, drawScannerParams } from './scanner.js';
import type { ScannerParams } from './scanner.js';
import { encodeStoredPixels } from './encode-pixels.js';
import { writeCtSliceFile } from './ct-dataset.js';
import { deriveImageId, deriveSopInstanceUid, deriveStudyUids, mixSeed } from './ids.js';
import type { StudyUids } from './ids.js';
import type { PixelEncoding } from './types.js';
import { countMaskBits, encodeSliceMask } from './masks.js';

/** Slice thickness and spacing between slices, mm. */
export const SLICE_THICKNESS_MM = 5;
/** Field of view the pixel spacing is derived from, mm (0.45 mm at 512 px). */
export const FIELD_OF_VIEW_MM = 230;

export interface StudyPlan {
  seed: number;
  index: number;
  size: number;
  /** Pixel spacing, mm. */
  spacing: number;
  grid: SliceGrid;
  head: HeadParams;
  noises: HeadNoises;
  scanner: ScannerParams;
  encoding: PixelEncoding;
  rescaleIntercept: number;
  window: { center: number; width: number };
  uids: StudyUids;
  patient: { sex: 'M' | 'F'; age: number };
  studyDate: string;
  studyTime: string;
  /** Per slice (ascending z): height above the skull base and patient z, mm. */
  levels: number[];
  patientZ: number[];
  imageIds: ImageId[];
  sopInstanceUids: SopInstanceUid[];
  /** True when the study was drawn with hemorrhage (labels come from the masks). */
  drawnPositive: boolean;
  bleeds: Bleed[];
  /** Work buffers of the last rendered slice (not part of the plan's meaning). */
  scratch?: SliceFields;
}

export interface PlanOptions {
  slicesPerStudy: [number, number];
  size: number;
  prevalence: number;
}

/**
 * Whether study `index` carries blood: a golden-ratio sequence with a seeded offset, so every prefix
 * of the dataset has the requested prevalence to within one study, independent of order.
 */
export function isPositiveStudy(seed: number, index: number, prevalence: number): boolean {
  const offset = mixSeed(seed, 0x7e) / 4294967296;
  const x = (offset + index * 0.6180339887498949) % 1;
  return x < prevalence;
}

function formatDate(daysAfter20190101: number): string {
  const d = new Date(Date.UTC(2019, 0, 1) + daysAfter20190101 * 86400000);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

const ENCODINGS: readonly [PixelEncoding, number][] = [
  ['int16', 0.6],
  ['uint12', 0.2],
  ['uint12-rsna-wrapped', 0.2],
];

function drawEncoding(rng: ReturnType<typeof createRng>): { encoding: PixelEncoding; intercept: number } {
  let x = rng.next();
  let encoding: PixelEncoding = 'int16';
  for (const [e, w] of ENCODINGS) if ((x -= w) < 0) {
    encoding = e;
    break;
  }
  const pick = (values: number[]): number => values[rng.int(0, values.length - 1)] as number;
  if (encoding === 'int16') return { encoding, intercept: pick([-1024, -1024, -1024, -1024, -1000, -2048]) };
  if (encoding === 'uint12') return { encoding, intercept: -1024 };
  return { encoding, intercept: pick([0, 0, 1, -50]) };
}

/**
 * Mass effect: the largest extra-axial or parenchymal bleed pushes the midline away from its side,
 * about 0.6 mm per mm of thickness beyond 5 mm (extra-axial) or 0.5 mm per mm of radius beyond
 * 9 mm (intraparenchymal), at most 12 mm.
 */
function drawMidlineShift(head: HeadParams, bleeds: readonly Bleed[]): HeadParams['midlineShift'] {
  let best = { mm: 0, level: 0, spread: 1 };
  for (const b of bleeds) {
    let mm = 0;
    let level = 0;
    let spread = 1;
    if (b.subtype === 'epidural' || b.subtype === 'subdural') {
      mm = -Math.sign(Math.sin(b.theta)) * Math.max(0, b.maxThickness - 5) * 0.6;
      level = b.zCenter;
      spread = (b.zMax - b.zMin) / 2 + 20;
    } else if (b.subtype === 'intraparenchymal') {
      mm = -Math.sign(b.u) * Math.max(0, b.radius - 9) * 0.5;
      level = b.zCenter;
      spread = b.radius + 25;
    }
    mm = Math.max(-12, Math.min(12, mm));
    if (Math.abs(mm) > Math.abs(best.mm)) best = { mm, level, spread };
  }
  void head;
  return best;
}

/** The study's random stream; its first draw is the slice count (see studySliceCount). */
function studyRng(seed: number, index: number): ReturnType<typeof createRng> {
  return createRng(mixSeed(seed, index, 0x57));
}

/** Number of slices of study `index`, without planning the rest of it (for progress totals). */
export function studySliceCount(seed: number, index: number, range: readonly [number, number]): number {
  return studyRng(seed, index).int(range[0], range[1]);
}

export function planStudy(seed: number, index: number, opts: PlanOptions): StudyPlan {
  const rng = studyRng(seed, index);
  const count = rng.int(opts.slicesPerStudy[0], opts.slicesPerStudy[1]);
  const scanLength = (count - 1) * SLICE_THICKNESS_MM;
  const head = drawHeadParams(rng, count * SLICE_THICKNESS_MM);
  const H = head.height;
  // Cover the head from the skull base up; short stacks (tests) centre on the mid-brain instead.
  const bottom = scanLength >= 0.8 * H ? Math.min(H * rng.uniform(-0.04, 0.03), 0.97 * H - scanLength) : 0.5 * H - scanLength / 2 + rng.uniform(-5, 5);
  const levels = Array.from({ length: count }, (_, k) => bottom + k * SLICE_THICKNESS_MM);
  const tablePos = Math.round(rng.uniform(-200, 50) * 10) / 10;
  const patientZ = levels.map((z) => Math.round((tablePos + z) * 100) / 100);
  const spacing = Math.round((FIELD_OF_VIEW_MM / opts.size) * rng.uniform(0.94, 1.06) * 1e4) / 1e4;
  const origin = -((opts.size - 1) / 2) * spacing;
  const { encoding, intercept } = drawEncoding(rng);
  const scanner = drawScannerParams(rng);
  const drawnPositive = isPositiveStudy(seed, index, opts.prevalence);
  const bleeds: Bleed[] = [];
  if (drawnPositive) {
    for (const subtype of drawSubtypeSet(rng)) {
      const b = drawBleed(rng, head, subtype);
      // Keep each bleed within the scanned heights (short stacks) by sliding it along z.
      const lo = levels[0] as number;
      const hi = levels[count - 1] as number;
      const mid = (b.zMin + b.zMax) / 2;
      const shift = mid < lo ? lo - mid : mid > hi ? hi - mid : 0;
      if (shift !== 0) {
        b.zMin += shift;
        b.zMax += shift;
        if ('zCenter' in b) b.zCenter += shift;
      }
      bleeds.push(b);
    }
  }
  head.midlineShift = drawMidlineShift(head, bleeds);
  return {
    seed,
    index,
    size: opts.size,
    spacing,
    grid: { size: opts.size, spacing, originX: origin, originY: origin },
    head,
    noises: {
      gyri: createValueNoise(head.noiseSeeds.gyri),
      texture: createValueNoise(head.noiseSeeds.texture),
      bone: createValueNoise(head.noiseSeeds.bone),
    },
    scanner,
    encoding,
    rescaleIntercept: intercept,
    window: rng.chance(0.7) ? { center: 40, width: 80 } : { center: 36, width: 100 },
    uids: deriveStudyUids(seed, index),
    patient: { sex: rng.chance(0.5) ? 'M' : 'F', age: Math.round(25 + 60 * head.atrophy + rng.uniform(-8, 8)) },
    studyDate: formatDate(mixSeed(seed, index, 0xda7e) % 1460),
    studyTime: `${String(7 + (mixSeed(seed, index, 1) % 14)).padStart(2, '0')}${String(mixSeed(seed, index, 2) % 60).padStart(2, '0')}${String(mixSeed(seed, index, 3) % 60).padStart(2, '0')}`,
    levels,
    patientZ,
    imageIds: levels.map((_, k) => deriveImageId(seed, index, k)),
    sopInstanceUids: levels.map((_, k) => deriveSopInstanceUid(seed, index, k)),
    drawnPositive,
    bleeds,
  };
}

export interface RenderedSlice {
  imageId: ImageId;
  /** The DICOM file's bytes. */
  dicom: Buffer;
  /** The mask file's bytes (masks.ts format) and its per-subtype pixel counts. */
  maskFile: Buffer;
  maskBits: Uint8Array;
  maskCounts: number[];
  /** HU a correct reader recovers (after the RSNA 12-bit fix where it applies). */
  expectedHu: Float32Array;
}

/** Renders slice `k` of a planned study (deterministic: its random stream depends only on seed, study, slice). */
export function renderStudySlice(plan: StudyPlan, k: number): RenderedSlice {
  const z = plan.levels[k];
  const imageId = plan.imageIds[k];
  const sop = plan.sopInstanceUids[k];
  const pz = plan.patientZ[k];
  if (z === undefined || imageId === undefined || sop === undefined || pz === undefined) throw new RangeError(`slice ${k} not in study`);
  const rng = createRng(mixSeed(plan.seed, plan.index, k, 0x51));
  const fields = renderAnatomy(plan.head, plan.noises, plan.grid, z, plan.scratch);
  plan.scratch = fields; // reused by the study's next slice
  const n = plan.size * plan.size;
  const maskBits = new Uint8Array(n);
  paintBleeds(plan.bleeds, fields, plan.head, maskBits);
  addBeamHardening(fields, plan.grid, plan.head, z / plan.head.height, plan.scanner, rng);
  blurInPlace(fields.hu, plan.size);
  addCorrelatedNoise(fields.hu, plan.size, plan.scanner.noiseSd, rng);
  const inside = createCircleMask(plan.size, plan.scanner.circle);
  const stored = encodeStoredPixels(fields.hu, inside, plan.encoding, plan.rescaleIntercept);
  const dicom = writeCtSliceFile({
    patientId: plan.uids.patientId,
    patientName: `SYNTH^${plan.uids.patientId}`,
    patientSex: plan.patient.sex,
    patientAge: `${String(Math.max(18, Math.min(99, plan.patient.age))).padStart(3, '0')}Y`,
    studyInstanceUid: plan.uids.studyInstanceUid,
    seriesInstanceUid: plan.uids.seriesInstanceUid,
    sopInstanceUid: sop,
    frameOfReferenceUid: plan.uids.frameOfReferenceUid,
    studyId: String(plan.index + 1),
    accessionNumber: `SYN${String(plan.index + 1).padStart(7, '0')}`,
    studyDate: plan.studyDate,
    studyTime: plan.studyTime,
    instanceNumber: k + 1,
    imagePosition: [plan.grid.originX, plan.grid.originY, pz],
    pixelSpacing: plan.spacing,
    sliceThickness: SLICE_THICKNESS_MM,
    rows: plan.size,
    columns: plan.size,
    encoding: plan.encoding,
    rescaleIntercept: plan.rescaleIntercept,
    windowCenter: plan.window.center,
    windowWidth: plan.window.width,
    kvp: 120,
    pixels: stored.data,
  });
  return {
    imageId,
    dicom,
    maskFile: encodeSliceMask({ rows: plan.size, columns: plan.size, bits: maskBits }),
    maskBits,
    maskCounts: countMaskBits(maskBits),
    expectedHu: stored.expectedHu,
  };
}
