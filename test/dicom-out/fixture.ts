/**
 * Fixtures for the dicom-out tests: a small synthetic study (synth's own generator, 12 slices at
 * 256²) written to a temp folder, and a ResultStudy built from synth's ground-truth masks the way
 * predict builds one from its own masks: labels = the lowest subtype bit of each mask pixel,
 * probabilities high where blood was drawn, the verdict from infer's computeVerdict, volumes from
 * the label counts × voxel size, and key images = grey slice + coloured labels.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEMORRHAGE_SUBTYPES, SUBTYPES, type Subtype } from '../../src/core/subtypes.js';
import type { Image } from '../../src/core/tensor.js';
import { readDicomHeader } from '../../src/dicom/index.js';
import { planStudy, renderStudySlice, SLICE_THICKNESS_MM } from '../../src/synth/index.js';
import { computeVerdict, type SliceScore } from '../../src/infer/verdict.js';
import type { ResultSlice, ResultStudy } from '../../src/dicom-out/index.js';

export const SLICES = 12;
export const SIZE = 256;
export const UID_ROOT = '1.2.826.0.1.3680043.10.999';

export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `ichscan-dicom-out-${label}-`));
}

/** True when `cmd` runs here; otherwise skip (or throw under CI=true, where .ci/run installs it). */
export function requireTool(cmd: string, args: string[], t: { skip: (m: string) => void }, pkg: string): boolean {
  if (spawnSync(cmd, args, { encoding: 'utf8' }).error === undefined) return true;
  if (process.env['CI'] === 'true') throw new Error(`${cmd} is missing but CI=true: install ${pkg}`);
  t.skip(`${cmd} not installed (apt-get install -y ${pkg})`);
  return false;
}

export interface SourceFixture {
  dir: string;
  files: string[];
  /** Per slice, the synth mask bytes (bit k = HEMORRHAGE_SUBTYPES[k]). */
  maskBits: Uint8Array[];
  /** Per slice, HU as a correct reader recovers them. */
  hu: Float32Array[];
  pixelSpacing: [number, number];
  z: number[];
}

/** The first study of `seed` whose bleeds cover at least `minSubtypes` subtypes (or a clean one for 0). */
export function writeSourceStudy(dir: string, seed: number, minSubtypes: number): SourceFixture {
  for (let index = 0; index < 200; index++) {
    const plan = planStudy(seed, index, { slicesPerStudy: [SLICES, SLICES], size: SIZE, prevalence: minSubtypes === 0 ? 0 : 1 });
    if (minSubtypes > 0 && new Set(plan.bleeds.map((b) => b.subtype)).size < minSubtypes) continue;
    const files: string[] = [];
    const maskBits: Uint8Array[] = [];
    const hu: Float32Array[] = [];
    for (let k = 0; k < plan.levels.length; k++) {
      const s = renderStudySlice(plan, k);
      const file = join(dir, `${String(k).padStart(3, '0')}-${s.imageId}.dcm`);
      writeFileSync(file, s.dicom);
      files.push(file);
      maskBits.push(s.maskBits);
      hu.push(s.expectedHu);
    }
    if (minSubtypes > 0 && !maskBits.some((m) => m.some((b) => b !== 0))) continue;
    return { dir, files, maskBits, hu, pixelSpacing: [plan.spacing, plan.spacing], z: [...plan.patientZ] };
  }
  throw new Error(`no synthetic study with ${minSubtypes} subtypes for seed ${seed}`);
}

/** Mask bits → label map: the lowest set subtype bit, 1-based (0 = no blood). */
export function labelsFromMask(bits: Uint8Array): Uint8Array {
  const out = new Uint8Array(bits.length);
  for (let k = 0; k < bits.length; k++) {
    const b = bits[k] as number;
    if (b !== 0) out[k] = 1 + Math.log2(b & -b);
  }
  return out;
}

const COLOURS: [number, number, number][] = [[230, 25, 75], [255, 225, 25], [0, 130, 200], [60, 180, 75], [245, 130, 48]];

/** Grey (brain window 40/80) slice with labels painted in colour, HWC RGB. */
export function renderKeyImage(hu: Float32Array, labels: Uint8Array, size: number): Image<'uint8'> {
  const data = new Uint8Array(size * size * 3);
  for (let k = 0; k < size * size; k++) {
    const g = Math.max(0, Math.min(255, Math.round((((hu[k] as number) - 0) / 80) * 255)));
    const l = labels[k] as number;
    const c = l > 0 ? (COLOURS[l - 1] as [number, number, number]) : [g, g, g];
    data.set(c, k * 3);
  }
  return { dtype: 'uint8', data, shape: [size, size, 3] };
}

/** A ResultStudy for the fixture's files, as predict would produce from these label maps. */
export function buildResultStudy(src: SourceFixture, studyInstanceUid: string, seriesInstanceUid: string): ResultStudy {
  const labels = src.maskBits.map(labelsFromMask);
  const slices: ResultSlice[] = src.files.map((file, i) => {
    const l = labels[i] as Uint8Array;
    const has = (k: number): boolean => l.includes(k);
    const any = l.some((v) => v !== 0);
    const probabilities = Object.fromEntries(SUBTYPES.map((s, k) => [s, s === 'any' ? (any ? 0.93 : 0.04) : has(k + 1) ? 0.81 : 0.02])) as Record<Subtype, number>;
    return { file, frame: 0, rows: SIZE, columns: SIZE, labels: l, probabilities };
  });
  const scores: SliceScore[] = slices.map((s, index) => ({ index, file: s.file, frame: 0, sopInstanceUid: '', z: src.z[index] ?? null, probabilities: s.probabilities }));
  const thresholds = Object.fromEntries(SUBTYPES.map((s) => [s, 0.5])) as Record<Subtype, number>;
  const verdict = computeVerdict(scores, thresholds);
  const voxelMl = (src.pixelSpacing[0] * src.pixelSpacing[1] * SLICE_THICKNESS_MM) / 1000;
  const counts = HEMORRHAGE_SUBTYPES.map((_, k) => labels.reduce((n, l) => n + l.filter((v) => v === k + 1).length, 0));
  const volumeMl = { total: counts.reduce((a, b) => a + b, 0) * voxelMl, ...Object.fromEntries(HEMORRHAGE_SUBTYPES.map((s, k) => [s, (counts[k] as number) * voxelMl])) } as ResultStudy['volumeMl'];
  const bloodZ = src.z.filter((_, i) => (labels[i] as Uint8Array).some((v) => v !== 0));
  const zExtentMm = bloodZ.length > 0 ? { from: Math.min(...bloodZ), to: Math.max(...bloodZ) } : null;
  const keyImages = verdict.keySlices.map((k) => ({ sliceIndex: k.index, rgb: renderKeyImage(src.hu[k.index] as Float32Array, labels[k.index] as Uint8Array, SIZE) }));
  return { studyInstanceUid, seriesInstanceUid, slices, verdict, volumeMl, zExtentMm, keyImages, model: { name: 'ichnet-test', version: '0.3.1' } };
}

/** Study/Series UIDs of a synth source file (read with ichscan's own reader). */
export function readStudyUids(file: string): { study: string; series: string } {
  const meta = readDicomHeader(readFileSync(file), file);
  return { study: meta.studyInstanceUid ?? '', series: meta.seriesInstanceUid ?? '' };
}

