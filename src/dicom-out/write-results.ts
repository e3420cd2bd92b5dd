/**
 * `writeDicomResults`: one scored study → its result objects, in new series of the source study,
 * under `outDir/<study folder>/`: `SR.dcm` always, `SEG.dcm` when any blood was segmented,
 * `SC-<n>.dcm` per key image and `KO.dcm` listing them. Everything is built and encoded in memory
 * first (bad input fails before anything touches the disk), written into a `.tmp-` staging folder
 * and then renamed into place, so `outDir` never holds a half-written study: a previous result
 * folder for the same study is replaced as a whole.
 *
 * UIDs (uids.ts): series UIDs derive from the root, the kind, the source study/series and the
 * model, so re-running a model on a study adds instances to the same series; SOP Instance UIDs
 * also take a digest of the result content, so different results never share a UID.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TMP_PREFIX } from '../core/atomic-write.js';
import { writeDicomPart10, type DicomElement } from '../dicom/write-part10.js';
import { checkResultStudy, type CheckedStudy } from './check-study.js';
import { createProducer, IMPLEMENTATION_CLASS_UID, type InstanceRef } from './common.js';
import { buildKeyImageDataset, SECONDARY_CAPTURE_STORAGE } from './key-images.js';
import { buildKosDataset, KEY_OBJECT_SELECTION_STORAGE } from './kos.js';
import { buildSegDataset, planSegFrames, planSegments, SEGMENTATION_STORAGE } from './seg.js';
import { buildSrDataset, COMPREHENSIVE_3D_SR_STORAGE } from './sr.js';
import type { DicomResultOptions, DicomResults, ResultKind, ResultStudy, WrittenResult } from './types.js';
import { checkUidRoot, deriveResultUid } from './uids.js';

/** ImplementationVersionName (SH, ≤ 16 characters). */
const IMPLEMENTATION_VERSION_PREFIX = 'ICHSCAN_';

interface PendingFile {
  kind: ResultKind;
  name: string;
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  dataset: DicomElement[];
}

/** Folder name for a study: its UID with anything but [A-Za-z0-9._-] replaced, at most 64 characters. */
export function studyFolderName(studyInstanceUid: string): string {
  const safe = studyInstanceUid.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return safe === '' || safe.startsWith('.') ? `study_${safe}` : safe;
}

/**
 * SHA-256 over everything the objects say (sources by SOP Instance UID, not by path, so moving
 * the files keeps the UIDs), so changed results get new SOP Instance UIDs.
 */
function digestResults(study: ResultStudy, checked: CheckedStudy): string {
  const h = createHash('sha256');
  study.slices.forEach((s, i) => {
    h.update(`${checked.sources[i]?.sopInstanceUid ?? ''}\0${s.frame}\0${JSON.stringify(s.probabilities)}\0`);
    h.update(s.labels);
  });
  h.update(JSON.stringify({ v: study.verdict, ml: study.volumeMl, z: study.zExtentMm, m: study.model }));
  for (const k of study.keyImages) h.update(`${k.sliceIndex}\0`).update(k.rgb.data);
  return h.digest('hex');
}

function implementationVersionName(softwareVersion: string): string {
  return `${IMPLEMENTATION_VERSION_PREFIX}${softwareVersion.replace(/[^A-Za-z0-9._-]/g, '')}`.slice(0, 16);
}

/** Builds every result dataset of `study` (nothing written yet). */
function buildResultFiles(study: ResultStudy, opts: DicomResultOptions): PendingFile[] {
  checkUidRoot(opts.uidRoot);
  const checked = checkResultStudy(study, opts.uidRoot);
  const p = createProducer(opts.softwareVersion, study.model, opts.now ?? new Date());
  const root = opts.uidRoot;
  const digest = digestResults(study, checked);
  const seriesUid = (kind: string): string => deriveResultUid(root, 'series', kind, study.studyInstanceUid, study.seriesInstanceUid, study.model.name, study.model.version);
  const sopUid = (kind: string, index = 0): string => deriveResultUid(root, 'instance', kind, String(index), study.studyInstanceUid, study.seriesInstanceUid, digest);
  const trackingUid = (finding: string): string => deriveResultUid(root, 'tracking', finding, study.studyInstanceUid, study.seriesInstanceUid, digest);
  const deviceObserverUid = deriveResultUid(root, 'device', study.model.name, study.model.version);
  const files: PendingFile[] = [];
  const sources: InstanceRef[] = checked.sources.map((s) => ({ sopClassUid: s.sopClassUid, sopInstanceUid: s.sopInstanceUid, seriesInstanceUid: study.seriesInstanceUid }));

  const segments = planSegments(study, trackingUid);
  const frames = planSegFrames(study, segments);
  let seg: { ref: InstanceRef; segments: typeof segments } | null = null;
  if (frames.length > 0) {
    const id = { seriesInstanceUid: seriesUid('seg'), sopInstanceUid: sopUid('seg'), dimensionOrganizationUid: sopUid('seg-dimensions') };
    files.push({ kind: 'seg', name: 'SEG.dcm', sopClassUid: SEGMENTATION_STORAGE, ...id, dataset: buildSegDataset(study, checked, segments, frames, id, p) });
    seg = { ref: { sopClassUid: SEGMENTATION_STORAGE, sopInstanceUid: id.sopInstanceUid, seriesInstanceUid: id.seriesInstanceUid }, segments };
  }

  const keyImages: InstanceRef[] = [];
  const scSeries = seriesUid('sc');
  study.keyImages.forEach((k, i) => {
    const source = checked.sources[k.sliceIndex];
    if (!source) return; // checked in checkResultStudy
    const id = { seriesInstanceUid: scSeries, sopInstanceUid: sopUid('sc', i), instanceNumber: i + 1 };
    files.push({ kind: 'sc', name: `SC-${i + 1}.dcm`, sopClassUid: SECONDARY_CAPTURE_STORAGE, ...id, dataset: buildKeyImageDataset(source, study.studyInstanceUid, k.rgb, study.verdict.anyProbability, id, p) });
    keyImages.push({ sopClassUid: SECONDARY_CAPTURE_STORAGE, sopInstanceUid: id.sopInstanceUid, seriesInstanceUid: scSeries });
  });
  const source0 = checked.sources[0];
  if (keyImages.length > 0 && source0) {
    const id = { seriesInstanceUid: seriesUid('kos'), sopInstanceUid: sopUid('kos'), deviceObserverUid };
    files.push({ kind: 'kos', name: 'KO.dcm', sopClassUid: KEY_OBJECT_SELECTION_STORAGE, ...id, dataset: buildKosDataset(source0, study.studyInstanceUid, keyImages, id, p) });
  }

  const sr = { seriesInstanceUid: seriesUid('sr'), sopInstanceUid: sopUid('sr') };
  files.unshift({
    kind: 'sr',
    name: 'SR.dcm',
    sopClassUid: COMPREHENSIVE_3D_SR_STORAGE,
    ...sr,
    dataset: buildSrDataset(study, checked, { ...sr, deviceObserverUid, trackingUid: (f) => trackingUid(f), seg, keyImages, sources }, p),
  });
  return files;
}

/**
 * Writes the result objects of one scored study (see the module comment). Throws coded errors
 * (ICH_E_STUDY_INCONSISTENT, ICH_E_NO_GEOMETRY, ICH_E_MIXED_ORIENTATION, ICH_E_BAD_DIMENSIONS, the
 * DICOM stage's read errors, ICH_E_USAGE for a bad UID root) before writing anything.
 */
export async function writeDicomResults(study: ResultStudy, opts: DicomResultOptions): Promise<DicomResults> {
  const pending = buildResultFiles(study, opts);
  const encoded = pending.map((f) => ({
    ...f,
    bytes: writeDicomPart10(
      { mediaStorageSopClassUid: f.sopClassUid, mediaStorageSopInstanceUid: f.sopInstanceUid, implementationClassUid: IMPLEMENTATION_CLASS_UID, implementationVersionName: implementationVersionName(opts.softwareVersion) },
      f.dataset,
    ),
  }));
  mkdirSync(opts.outDir, { recursive: true });
  const dir = join(opts.outDir, studyFolderName(study.studyInstanceUid));
  const staging = mkdtempSync(join(opts.outDir, `${TMP_PREFIX}results-`));
  let old: string | undefined;
  try {
    for (const f of encoded) writeFileSync(join(staging, f.name), f.bytes);
    if (existsSync(dir)) {
      old = `${staging}-old`;
      renameSync(dir, old);
    }
    renameSync(staging, dir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (old !== undefined && !existsSync(dir)) renameSync(old, dir);
    throw e;
  }
  if (old !== undefined) rmSync(old, { recursive: true, force: true });
  const files: WrittenResult[] = encoded.map((f) => ({ kind: f.kind, path: join(dir, f.name), sopInstanceUid: f.sopInstanceUid, seriesInstanceUid: f.seriesInstanceUid }));
  return { dir, files };
}
