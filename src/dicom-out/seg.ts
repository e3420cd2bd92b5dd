/**
 * The Segmentation object (PS3.3 A.51, SOP Class 1.2.840.10008.5.1.4.1.1.66.4): BINARY, one
 * segment per hemorrhage subtype present in the label maps (numbered 1.. in HEMORRHAGE_SUBTYPES
 * order), one frame per (segment, source slice holding that label). Segments do not overlap (a
 * pixel has one label), so the union of a slice's frames is its `labels > 0` mask bit for bit.
 * Each frame names its source instance (Derivation Image / Source Image Sequence) and carries the
 * source's plane position; orientation and pixel spacing are shared (checked equal beforehand).
 */
import { HEMORRHAGE_SUBTYPES } from '../core/subtypes.js';
import type { DicomElement } from '../dicom/write-part10.js';
import type { CheckedStudy } from './check-study.js';
import { CODES, SUBTYPE_CODING } from './codes.js';
import { codeSequence, ds, equipmentElements, NOT_FOR_DIAGNOSTIC_USE, seriesElements, sopCommonElements, sopRefElements, clip, type Producer } from './common.js';
import { copiedStudyElements } from './read-source.js';
import type { HemorrhageSubtype, ResultStudy } from './types.js';
import { rgbToDicomLab } from './cielab.js';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

export interface SegmentPlan {
  /** 1-based, consecutive. */
  number: number;
  subtype: HemorrhageSubtype;
  /** Label value in ResultSlice.labels (1..5). */
  label: number;
  /** Tracking UID shared with the SR measurement group of this subtype. */
  trackingUid: string;
}

export interface SegFrame {
  segment: SegmentPlan;
  sliceIndex: number;
}

/** Segments for the labels present anywhere in the study, in HEMORRHAGE_SUBTYPES order. */
export function planSegments(study: ResultStudy, trackingUid: (s: HemorrhageSubtype) => string): SegmentPlan[] {
  const present = new Set<number>();
  for (const s of study.slices) for (let k = 0; k < s.labels.length; k++) if (s.labels[k] !== 0) present.add(s.labels[k] as number);
  const out: SegmentPlan[] = [];
  HEMORRHAGE_SUBTYPES.forEach((subtype, i) => {
    if (present.has(i + 1)) out.push({ number: out.length + 1, subtype, label: i + 1, trackingUid: trackingUid(subtype) });
  });
  return out;
}

/** The frames, segment-major then in slice (z) order: one per slice that holds the segment's label. */
export function planSegFrames(study: ResultStudy, segments: readonly SegmentPlan[]): SegFrame[] {
  const frames: SegFrame[] = [];
  for (const segment of segments) {
    study.slices.forEach((s, sliceIndex) => {
      if (s.labels.includes(segment.label)) frames.push({ segment, sliceIndex });
    });
  }
  return frames;
}

/** Packs the frames' bits LSB first, frames back to back (PS3.5 8.1.1, BitsAllocated 1), padded to even. */
function packFrames(study: ResultStudy, frames: readonly SegFrame[]): Uint8Array {
  const first = study.slices[0];
  const n = first ? first.rows * first.columns : 0;
  const bytes = new Uint8Array(Math.ceil((frames.length * n) / 8 / 2) * 2);
  frames.forEach((f, i) => {
    const labels = (study.slices[f.sliceIndex] as ResultStudy['slices'][number]).labels;
    const base = i * n;
    for (let k = 0; k < n; k++) {
      if (labels[k] === f.segment.label) {
        const bit = base + k;
        bytes[bit >>> 3] = (bytes[bit >>> 3] as number) | (1 << (bit & 7));
      }
    }
  });
  return bytes;
}

function segmentItem(s: SegmentPlan, model: Producer['model']): DicomElement[] {
  const coding = SUBTYPE_CODING[s.subtype];
  return [
    { tag: 0x00620004, vr: 'US', value: s.number },
    { tag: 0x00620005, vr: 'LO', value: coding.label },
    { tag: 0x00620008, vr: 'CS', value: 'AUTOMATIC' },
    { tag: 0x00620009, vr: 'LO', value: clip(model.name, 64) },
    {
      tag: 0x00620007,
      vr: 'SQ',
      value: [[codeSequence(0x0066002f, CODES.artificialIntelligence), { tag: 0x00660036, vr: 'LO', value: clip(model.name, 64) }, { tag: 0x00660031, vr: 'LO', value: clip(model.version, 64) }]],
    },
    codeSequence(0x00620003, CODES.morphologicallyAbnormalStructure),
    codeSequence(0x0062000f, CODES.hemorrhage),
    codeSequence(0x00082218, coding.site),
    { tag: 0x0062000d, vr: 'US', value: rgbToDicomLab(coding.rgb) },
    { tag: 0x00620020, vr: 'UT', value: coding.label },
    { tag: 0x00620021, vr: 'UI', value: s.trackingUid },
  ];
}

function uniqueSources(list: readonly (CheckedStudy['sources'][number] | undefined)[]): { sopClassUid: string; sopInstanceUid: string }[] {
  const seen = new Map<string, { sopClassUid: string; sopInstanceUid: string }>();
  for (const s of list) if (s && !seen.has(s.sopInstanceUid)) seen.set(s.sopInstanceUid, { sopClassUid: s.sopClassUid, sopInstanceUid: s.sopInstanceUid });
  return [...seen.values()];
}

export interface SegIdentity {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  dimensionOrganizationUid: string;
}

/** The SEG dataset (without file meta). Needs geometry on every frame's slice (checkResultStudy ensures it). */
export function buildSegDataset(study: ResultStudy, checked: CheckedStudy, segments: readonly SegmentPlan[], frames: readonly SegFrame[], id: SegIdentity, p: Producer): DicomElement[] {
  const first = study.slices[0] as ResultStudy['slices'][number];
  const source0 = checked.sources[0];
  if (!source0 || !checked.orientation || !checked.pixelSpacing) throw new RangeError('SEG needs checked geometry');
  const usedSlices = [...new Set(frames.map((f) => f.sliceIndex))].sort((a, b) => a - b);
  const positionIndex = new Map(usedSlices.map((s, i) => [s, i + 1]));
  const sourceRef = (sliceIndex: number): DicomElement[] => {
    const src = checked.sources[sliceIndex];
    if (!src) throw new RangeError(`slice ${sliceIndex}`);
    return sopRefElements({ sopClassUid: src.sopClassUid, sopInstanceUid: src.sopInstanceUid, ...(src.frames > 1 ? { frames: [src.frame + 1] } : {}) });
  };
  const perFrame = frames.map((f): DicomElement[] => {
    const src = checked.sources[f.sliceIndex];
    if (!src?.position) throw new RangeError(`slice ${f.sliceIndex} has no position`);
    return [
      {
        tag: 0x00089124,
        vr: 'SQ',
        value: [[
          { tag: 0x00082112, vr: 'SQ', value: [[...sourceRef(f.sliceIndex), codeSequence(0x0040a170, CODES.sourceImageForProcessing)]] },
          codeSequence(0x00089215, CODES.segmentation),
        ]],
      },
      { tag: 0x00209111, vr: 'SQ', value: [[{ tag: 0x00209157, vr: 'UL', value: [f.segment.number, positionIndex.get(f.sliceIndex) as number] }]] },
      { tag: 0x00209113, vr: 'SQ', value: [[ds(0x00200032, src.position)]] },
      { tag: 0x0062000a, vr: 'SQ', value: [[{ tag: 0x0062000b, vr: 'US', value: f.segment.number }]] },
    ];
  });
  const pixelMeasures: DicomElement[] = [ds(0x00280030, checked.pixelSpacing)];
  if (checked.sliceThickness !== undefined) pixelMeasures.push(ds(0x00180050, [checked.sliceThickness]));
  const dimension = (pointer: number, group: number, label: string): DicomElement[] => [
    { tag: 0x00209164, vr: 'UI', value: id.dimensionOrganizationUid },
    { tag: 0x00209165, vr: 'AT', value: pointer },
    { tag: 0x00209167, vr: 'AT', value: group },
    { tag: 0x00209421, vr: 'LO', value: label },
  ];
  return [
    ...copiedStudyElements(source0, study.studyInstanceUid),
    ...seriesElements({ modality: 'SEG', seriesInstanceUid: id.seriesInstanceUid, seriesNumber: 902, description: 'ichscan hemorrhage SEG' }, p),
    ...equipmentElements(p),
    ...sopCommonElements(SEGMENTATION_STORAGE, id.sopInstanceUid, 1, p),
    { tag: 0x00200052, vr: 'UI', value: checked.frameOfReferenceUid, copied: checked.frameOfReferenceFromSource },
    { tag: 0x00201040, vr: 'LO', value: '' },
    { tag: 0x00080008, vr: 'CS', value: ['DERIVED', 'PRIMARY'] },
    { tag: 0x00204000, vr: 'LT', value: `Automated hemorrhage segmentation. ${NOT_FOR_DIAGNOSTIC_USE}.` },
    { tag: 0x00700080, vr: 'CS', value: 'ICH' },
    { tag: 0x00700081, vr: 'LO', value: `Hemorrhage by subtype - ${NOT_FOR_DIAGNOSTIC_USE}` },
    { tag: 0x00700084, vr: 'PN', value: '' }, // type 2: no person created it
    { tag: 0x00280002, vr: 'US', value: 1 },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: first.rows },
    { tag: 0x00280011, vr: 'US', value: first.columns },
    { tag: 0x00280100, vr: 'US', value: 1 },
    { tag: 0x00280101, vr: 'US', value: 1 },
    { tag: 0x00280102, vr: 'US', value: 0 },
    { tag: 0x00280103, vr: 'US', value: 0 },
    { tag: 0x00282110, vr: 'CS', value: '00' },
    { tag: 0x00280008, vr: 'IS', value: String(frames.length) },
    { tag: 0x00620001, vr: 'CS', value: 'BINARY' },
    { tag: 0x00620013, vr: 'CS', value: 'NO' },
    { tag: 0x00620002, vr: 'SQ', value: segments.map((s) => segmentItem(s, p.model)) },
    { tag: 0x00209221, vr: 'SQ', value: [[{ tag: 0x00209164, vr: 'UI', value: id.dimensionOrganizationUid }]] },
    { tag: 0x00209222, vr: 'SQ', value: [dimension(0x0062000b, 0x0062000a, 'Segment Number'), dimension(0x00200032, 0x00209113, 'Image Position Patient')] },
    { tag: 0x52009229, vr: 'SQ', value: [[{ tag: 0x00289110, vr: 'SQ', value: [pixelMeasures] }, { tag: 0x00209116, vr: 'SQ', value: [[ds(0x00200037, checked.orientation)]] }]] },
    { tag: 0x52009230, vr: 'SQ', value: perFrame },
    {
      tag: 0x00081115,
      vr: 'SQ',
      value: [[
        { tag: 0x0020000e, vr: 'UI', value: study.seriesInstanceUid, copied: true },
        // One item per source instance (a multi-frame source is listed once, without frame numbers).
        { tag: 0x0008114a, vr: 'SQ', value: uniqueSources(usedSlices.map((s) => checked.sources[s])).map((src) => sopRefElements(src)) },
      ]],
    },
    { tag: 0x7fe00010, vr: 'OB', value: packFrames(study, frames) },
  ];
}
