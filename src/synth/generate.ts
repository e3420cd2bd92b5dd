/**
 * `generateSynthDataset`: writes a synthetic head-CT dataset —
 *   out/images/<image id>.dcm, out/masks/<image id>.mask.gz, out/labels.csv, out/studies.json —
 * deterministically for a seed. Resumable: each study's files are written atomically and then
 * committed by `out/.synth/study-<index>.json`; `out/.synth/manifest.json` records the options, and a
 * run with `resume` skips committed studies and regenerates the rest identically (the folder rules
 * and the commit loop are job-folder.ts's, shared with `--insert-into`).
 */
import { join } from 'node:path';
import { ichError } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/atomic-write.js';
import { countPositiveSlices, prepareJobFolder, runCommittedUnits, writeCommitRecord } from './job-folder.js';
import { MAX_SLICES_PER_STUDY, MAX_STUDIES } from './ids.js';
import { planStudy, renderStudySlice, SLICE_THICKNESS_MM, studySliceCount } from './study-plan.js';
import { bloodPixelsFromCounts, describeBleeds, formatLabelsCsv, labelsFromCounts, summariseStudy } from './records.js';
import type { SliceRecord, StudyRecord } from './records.js';
import type { SynthOptions, SynthSummary } from './types.js';

const MANIFEST_VERSION = 1;

interface Manifest {
  version: number;
  generator: 'ichscan synth';
  studies: number;
  slicesPerStudy: [number, number];
  size: number;
  seed: number;
  prevalence: number;
}

function checkOptions(o: SynthOptions): void {
  const bad = (what: string): never => {
    throw ichError('ICH_E_USAGE', what);
  };
  if (!Number.isInteger(o.studies) || o.studies < 1 || o.studies > MAX_STUDIES) bad(`studies must be an integer in [1, ${MAX_STUDIES}], got ${o.studies}`);
  const [lo, hi] = o.slicesPerStudy;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo || hi > MAX_SLICES_PER_STUDY) bad(`slices per study must be integers 1 ≤ min ≤ max ≤ ${MAX_SLICES_PER_STUDY}, got ${lo}-${hi}`);
  if (!Number.isInteger(o.size) || o.size < 32 || o.size > 2048) bad(`size must be an integer in [32, 2048], got ${o.size}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) bad(`seed must be an integer in [0, 4294967295], got ${o.seed}`);
  if (!(o.prevalence >= 0 && o.prevalence <= 1)) bad(`prevalence must be in [0, 1], got ${o.prevalence}`);
  if (o.force && o.resume) bad('force and resume exclude each other');
}

function manifestOf(o: SynthOptions): Manifest {
  return { version: MANIFEST_VERSION, generator: 'ichscan synth', studies: o.studies, slicesPerStudy: [...o.slicesPerStudy], size: o.size, seed: o.seed, prevalence: o.prevalence };
}

/** Renders and writes one study; returns its record (also committed to .synth/study-<index>.json). */
export function writeSynthStudy(o: SynthOptions, index: number, onSlice?: () => void): StudyRecord {
  const plan = planStudy(o.seed, index, o);
  const slices: SliceRecord[] = [];
  for (let k = 0; k < plan.levels.length; k++) {
    const s = renderStudySlice(plan, k);
    writeFileAtomicSync(join(o.out, 'images', `${s.imageId}.dcm`), s.dicom);
    writeFileAtomicSync(join(o.out, 'masks', `${s.imageId}.mask.gz`), s.maskFile);
    slices.push({
      imageId: s.imageId,
      sopInstanceUid: plan.sopInstanceUids[k] as string,
      instanceNumber: k + 1,
      z: plan.patientZ[k] as number,
      labels: labelsFromCounts(s.maskCounts),
      bloodPixels: bloodPixelsFromCounts(s.maskCounts),
    });
    onSlice?.();
  }
  const { labels, bloodVolumeMl } = summariseStudy(slices, plan.spacing, SLICE_THICKNESS_MM);
  const record: StudyRecord = {
    index,
    patientId: plan.uids.patientId,
    studyInstanceUid: plan.uids.studyInstanceUid,
    seriesInstanceUid: plan.uids.seriesInstanceUid,
    encoding: plan.encoding,
    rescaleIntercept: plan.rescaleIntercept,
    pixelSpacing: plan.spacing,
    sliceThickness: SLICE_THICKNESS_MM,
    labels,
    bloodVolumeMl,
    slices,
    bleeds: describeBleeds(plan.bleeds, (plan.patientZ[0] ?? 0) - (plan.levels[0] ?? 0)),
  };
  writeCommitRecord(o.out, 'study', index, record);
  return record;
}

/** Generates (or completes, with `resume`) a synthetic dataset; see the module comment. */
export async function generateSynthDataset(o: SynthOptions): Promise<SynthSummary> {
  checkOptions(o);
  const started = performance.now();
  const manifest = manifestOf(o);
  const resuming = prepareJobFolder(o, manifest, { folderKind: 'a synth', sameWhat: 'options' });
  let slicesDone = 0;
  let total = 0;
  for (let i = 0; i < o.studies; i++) total += studySliceCount(o.seed, i, o.slicesPerStudy);
  const { records, kept: resumedStudies } = await runCommittedUnits<StudyRecord>({
    count: o.studies,
    unit: 'study',
    out: o.out,
    resuming,
    onKept: (_i, record) => {
      slicesDone += record.slices.length;
      o.onProgress?.(slicesDone, total);
    },
    produce: (i) =>
      writeSynthStudy(o, i, () => {
        slicesDone++; // not inside `onProgress?.(…)`: optional calls skip evaluating their arguments
        o.onProgress?.(slicesDone, total);
      }),
  });
  writeFileAtomicSync(join(o.out, 'labels.csv'), Buffer.from(formatLabelsCsv(records)));
  const studiesJson = { ...manifest, studies: records };
  writeFileAtomicSync(join(o.out, 'studies.json'), Buffer.from(`${JSON.stringify(studiesJson, null, 1)}\n`));
  const { positiveSlices, bySubtype } = countPositiveSlices(records);
  return {
    out: o.out,
    studies: records.length,
    slices: slicesDone,
    positiveStudies: records.filter((r) => r.labels.any === 1).length,
    positiveSlices,
    positiveSlicesBySubtype: bySubtype,
    resumedStudies,
    seconds: (performance.now() - started) / 1000,
  };
}
