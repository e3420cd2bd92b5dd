/**
 * The Comprehensive 3D SR (SOP Class 1.2.840.10008.5.1.4.1.1.88.34) with a TID 1500 Measurement
 * Report: language, device observer, procedure reported, and under Imaging Measurements one
 * measurement group for intracranial hemorrhage (always, also for a study without blood) and one
 * per subtype that is present in the verdict or segmented. Each group: tracking identifier + UID,
 * the finding and its site, presence (Present/Absent), probability, volume in mL; segmented
 * subtypes reference their SEG segment (TID 1411), the hemorrhage group carries the z extent and
 * references the key images. VerificationFlag UNVERIFIED, CompletionFlag COMPLETE.
 */
import { HEMORRHAGE_SUBTYPES } from '../core/subtypes.js';
import { isValidUid, type DicomElement } from '../dicom/write-part10.js';
import type { CheckedStudy } from './check-study.js';
import { CODES, SUBTYPE_CODING, type Code } from './codes.js';
import { clip, equipmentElements, evidenceItem, MANUFACTURER, NOT_FOR_DIAGNOSTIC_USE, seriesElements, sopCommonElements, type InstanceRef, type Producer } from './common.js';
import { copiedStudyElements } from './read-source.js';
import type { SegmentPlan } from './seg.js';
import { codeItem, containerItem, imageItem, numItem, textItem, uidrefItem } from './sr-content.js';
import type { HemorrhageSubtype, ResultStudy } from './types.js';

export const COMPREHENSIVE_3D_SR_STORAGE = '1.2.840.10008.5.1.4.1.1.88.34';

export interface SrInputs {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  deviceObserverUid: string;
  /** Tracking UID of the hemorrhage group and of each subtype group (shared with the SEG segments). */
  trackingUid: (finding: HemorrhageSubtype | 'any') => string;
  /** The SEG and its segments; null when no SEG was written (no blood segmented). */
  seg: { ref: InstanceRef; segments: readonly SegmentPlan[] } | null;
  keyImages: readonly InstanceRef[];
  /** Every scored source slice (evidence). */
  sources: readonly InstanceRef[];
}

/** The subtypes that get a measurement group: present in the verdict or segmented, in HEMORRHAGE_SUBTYPES order. */
export function reportedSubtypes(study: ResultStudy, segments: readonly SegmentPlan[]): HemorrhageSubtype[] {
  return HEMORRHAGE_SUBTYPES.filter((s) => study.verdict.subtypesPresent.includes(s) || segments.some((g) => g.subtype === s));
}

function algorithmModifiers(model: Producer['model']): DicomElement[][] {
  return [textItem('HAS CONCEPT MOD', CODES.algorithmName, clip(model.name, 1024)), textItem('HAS CONCEPT MOD', CODES.algorithmVersion, clip(model.version, 1024))];
}

interface GroupContent {
  trackingId: string;
  trackingUid: string;
  finding: Code;
  site: Code;
  present: boolean;
  probability: number;
  volumeMl: number;
}

function measurementGroup(g: GroupContent, model: Producer['model'], extra: { before: DicomElement[][]; after: DicomElement[][] }): DicomElement[] {
  return containerItem('CONTAINS', CODES.measurementGroup, [
    textItem('HAS OBS CONTEXT', CODES.trackingIdentifier, g.trackingId),
    uidrefItem('HAS OBS CONTEXT', CODES.trackingUid, g.trackingUid),
    ...extra.before,
    codeItem('HAS CONCEPT MOD', CODES.finding, g.finding),
    codeItem('HAS CONCEPT MOD', CODES.findingSite, g.site),
    codeItem('CONTAINS', g.finding, g.present ? CODES.present : CODES.absent),
    numItem('CONTAINS', CODES.probability, g.probability, CODES.noUnits, algorithmModifiers(model)),
    numItem('CONTAINS', CODES.volume, g.volumeMl, CODES.milliliter, algorithmModifiers(model)),
    ...extra.after,
  ]);
}

function hemorrhageGroup(study: ResultStudy, inputs: SrInputs, model: Producer['model']): DicomElement[] {
  const after: DicomElement[][] = [];
  if (study.zExtentMm) {
    const lo = Math.min(study.zExtentMm.from, study.zExtentMm.to);
    const hi = Math.max(study.zExtentMm.from, study.zExtentMm.to);
    after.push(numItem('CONTAINS', CODES.height, hi - lo, CODES.millimeter));
    after.push(numItem('CONTAINS', CODES.inferiorExtent, lo, CODES.millimeter));
    after.push(numItem('CONTAINS', CODES.superiorExtent, hi, CODES.millimeter));
  }
  for (const ref of inputs.keyImages) after.push(imageItem('CONTAINS', CODES.keyImages, ref));
  return measurementGroup(
    {
      trackingId: 'Intracranial hemorrhage',
      trackingUid: inputs.trackingUid('any'),
      finding: CODES.intracranialHemorrhage,
      site: CODES.cranialCavity,
      present: study.verdict.positive,
      probability: study.verdict.anyProbability,
      volumeMl: study.volumeMl.total,
    },
    model,
    { before: [], after },
  );
}

function subtypeGroup(study: ResultStudy, subtype: HemorrhageSubtype, inputs: SrInputs, model: Producer['model']): DicomElement[] {
  const coding = SUBTYPE_CODING[subtype];
  const segment = inputs.seg?.segments.find((s) => s.subtype === subtype);
  const before: DicomElement[][] = [];
  if (inputs.seg && segment) {
    before.push(imageItem('CONTAINS', CODES.referencedSegment, inputs.seg.ref, segment.number));
    // A UIDREF content item with an invalid UID (RSNA's `ID_…` series) makes dcmtk reject the whole
    // document, so the item is left out then; the SEG itself still references the source series.
    if (isValidUid(study.seriesInstanceUid)) before.push(uidrefItem('CONTAINS', CODES.sourceSeriesForSegmentation, study.seriesInstanceUid));
  }
  return measurementGroup(
    {
      trackingId: coding.label,
      trackingUid: segment?.trackingUid ?? inputs.trackingUid(subtype),
      finding: coding.finding,
      site: coding.site,
      present: study.verdict.subtypesPresent.includes(subtype),
      probability: study.verdict.probabilities[subtype],
      volumeMl: study.volumeMl[subtype],
    },
    model,
    { before, after: [] },
  );
}

function disclaimer(study: ResultStudy, p: Producer): string {
  const verdict = study.verdict.positive ? 'Intracranial hemorrhage detected' : 'No intracranial hemorrhage detected';
  const warnings = (study.warnings ?? []).map((w) => ` Warning: ${w}.`).join('');
  return `${NOT_FOR_DIAGNOSTIC_USE}. ${verdict} (P(any) = ${study.verdict.anyProbability.toFixed(3)}) by ${p.model.name} ${p.model.version} (${MANUFACTURER} ${p.softwareVersion}); an automated result, not reviewed by a physician.${warnings}`;
}

/** The SR dataset (without file meta). */
export function buildSrDataset(study: ResultStudy, checked: CheckedStudy, inputs: SrInputs, p: Producer): DicomElement[] {
  const source0 = checked.sources[0];
  if (!source0) throw new RangeError('SR needs a source');
  const segments = inputs.seg?.segments ?? [];
  const groups = [hemorrhageGroup(study, inputs, p.model), ...reportedSubtypes(study, segments).map((s) => subtypeGroup(study, s, inputs, p.model))];
  const content = containerItem(
    undefined,
    CODES.imagingMeasurementReport,
    [
      codeItem('HAS CONCEPT MOD', CODES.language, CODES.englishUs),
      codeItem('HAS OBS CONTEXT', CODES.observerType, CODES.device),
      uidrefItem('HAS OBS CONTEXT', CODES.deviceObserverUid, inputs.deviceObserverUid),
      textItem('HAS OBS CONTEXT', CODES.deviceObserverName, clip(`${p.model.name} ${p.model.version}`, 1024)),
      textItem('HAS OBS CONTEXT', CODES.deviceObserverManufacturer, MANUFACTURER),
      textItem('HAS OBS CONTEXT', CODES.deviceObserverModelName, clip(p.model.name, 1024)),
      codeItem('HAS CONCEPT MOD', CODES.procedureReported, CODES.headCt),
      containerItem('CONTAINS', CODES.imagingMeasurements, groups),
      containerItem('CONTAINS', CODES.qualitativeEvaluations, [textItem('CONTAINS', CODES.comment, disclaimer(study, p))]),
    ],
    '1500',
  );
  const evidence = [...inputs.sources, ...(inputs.seg ? [inputs.seg.ref] : []), ...inputs.keyImages];
  return [
    ...copiedStudyElements(source0, study.studyInstanceUid),
    ...seriesElements({ modality: 'SR', seriesInstanceUid: inputs.seriesInstanceUid, seriesNumber: 901, description: 'ichscan hemorrhage report' }, p),
    { tag: 0x00081111, vr: 'SQ', value: [] }, // ReferencedPerformedProcedureStepSequence: type 2, none
    ...equipmentElements(p),
    ...sopCommonElements(COMPREHENSIVE_3D_SR_STORAGE, inputs.sopInstanceUid, 1, p),
    { tag: 0x0040a491, vr: 'CS', value: 'COMPLETE' },
    { tag: 0x0040a493, vr: 'CS', value: 'UNVERIFIED' },
    { tag: 0x0040a372, vr: 'SQ', value: [] }, // PerformedProcedureCodeSequence: type 2
    { tag: 0x0040a375, vr: 'SQ', value: [evidenceItem(study.studyInstanceUid, evidence)] },
    ...content,
  ];
}
