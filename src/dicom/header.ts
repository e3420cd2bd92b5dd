/**
 * DataSet → CtMeta: the typed metadata the pipeline needs, read without touching pixel data.
 * Rescale comes from the top level, else the enhanced-CT shared functional groups, else the first
 * per-frame functional group (per-frame values kept when they differ), else slope 1 / intercept 0.
 */
import type { DataSet, Element } from 'dicom-parser';
import { ichError } from '../core/errors.js';
import { asPatientId, asSeriesInstanceUid, asSopInstanceUid, asStudyInstanceUid } from '../core/ids.js';
import type { CtMeta, RescaleSource } from './types.js';
import { checkDimensions } from './limits.js';
import { readContrastEvidence } from './contrast.js';
import { notHeadEvidence, readBodyPart } from './body-part.js';
import { functionalGroupsOf, PER_FRAME_GROUPS } from './functional-groups.js';

const PIXEL_DATA = 'x7fe00010';
const FLOAT_PIXEL_DATA = 'x7fe00008';
const DOUBLE_PIXEL_DATA = 'x7fe00009';
const PIXEL_VALUE_TRANSFORMATION = 'x00289145';
const PLANE_POSITION = 'x00209113';
const PLANE_ORIENTATION = 'x00209116';
const PIXEL_MEASURES = 'x00289110';
const FRAME_VOI_LUT = 'x00289132';

/** Builds CtMeta from a parsed dataset; throws ICH_E_NO_PIXEL_DATA / ICH_E_BAD_DIMENSIONS / ICH_E_UNSUPPORTED_IMAGE. */
export function extractCtMeta(ds: DataSet, transferSyntaxUid: string, file: string): CtMeta {
  if (!ds.elements[PIXEL_DATA]) {
    if (ds.elements[FLOAT_PIXEL_DATA] || ds.elements[DOUBLE_PIXEL_DATA]) {
      throw ichError('ICH_E_UNSUPPORTED_IMAGE', 'float/double pixel data (7FE0,0008/0009) is not CT stored values', { file });
    }
    throw ichError('ICH_E_NO_PIXEL_DATA', undefined, { file });
  }
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  const framesText = ds.string('x00280008');
  const frames = framesText === undefined || framesText === '' ? 1 : Number.parseInt(framesText, 10);
  const samplesPerPixel = ds.uint16('x00280002') ?? 1;
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const highBit = ds.uint16('x00280102') ?? bitsStored - 1;
  const pixelRepresentation = ds.uint16('x00280103') === 1 ? 1 : 0;
  checkDimensions({ rows, columns, frames, samplesPerPixel, bitsAllocated, bitsStored }, file);

  const rescale = findRescale(ds);
  const modality = cleanString(ds.string('x00080060'));
  const sopUid = cleanString(ds.string('x00080018')) ?? cleanString(ds.string('x00020003'));
  const pos = numbersOf(ds, 'x00200032', 3) ?? numbersInGroups(ds, PLANE_POSITION, 'x00200032', 3);
  const iop = numbersOf(ds, 'x00200037', 6) ?? numbersInGroups(ds, PLANE_ORIENTATION, 'x00200037', 6);
  const spacing = numbersOf(ds, 'x00280030', 2) ?? numbersInGroups(ds, PIXEL_MEASURES, 'x00280030', 2);
  const thickness = finiteOrUndefined(ds.floatString('x00180050')) ?? numbersInGroups(ds, PIXEL_MEASURES, 'x00180050', 1)?.[0];
  const wc = finiteOrUndefined(ds.floatString('x00281050')) ?? numbersInGroups(ds, FRAME_VOI_LUT, 'x00281050', 1)?.[0];
  const ww = finiteOrUndefined(ds.floatString('x00281051')) ?? numbersInGroups(ds, FRAME_VOI_LUT, 'x00281051', 1)?.[0];
  const meta: CtMeta = {
    file,
    transferSyntaxUid,
    sopClassUid: cleanString(ds.string('x00080016')) ?? cleanString(ds.string('x00020002')),
    sopInstanceUid: asSopInstanceUid(sopUid ?? ''),
    seriesInstanceUid: optional(cleanString(ds.string('x0020000e')), asSeriesInstanceUid),
    studyInstanceUid: optional(cleanString(ds.string('x0020000d')), asStudyInstanceUid),
    patientId: optional(cleanString(ds.string('x00100020')), asPatientId),
    modality,
    instanceNumber: finiteOrUndefined(ds.intString('x00200013')),
    rows,
    columns,
    frames,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation,
    photometricInterpretation: cleanString(ds.string('x00280004')) ?? 'MONOCHROME2',
    rescaleSlope: rescale.slope,
    rescaleIntercept: rescale.intercept,
    rescaleSource: rescale.source,
    imagePositionPatient: pos as CtMeta['imagePositionPatient'],
    imageOrientationPatient: iop as CtMeta['imageOrientationPatient'],
    pixelSpacing: spacing as CtMeta['pixelSpacing'],
    sliceThickness: thickness,
    windowCenter: wc,
    windowWidth: ww,
    needsRsna12BitFix: needsRsna12BitFix(bitsStored, pixelRepresentation, rescale.intercept, modality),
  };
  if (rescale.perFrame) meta.perFrameRescale = rescale.perFrame;
  const contrast = readContrastEvidence(ds);
  if (contrast) meta.contrast = contrast;
  const notHead = notHeadEvidence(readBodyPart(ds));
  if (notHead) meta.notHead = notHead;
  return meta;
}

/**
 * The RSNA rule (BitsStored 12, unsigned, intercept > −100), limited to CT (or no Modality): a CT
 * cannot hold only HU ≥ −100, but 12-bit MR/XA with intercept 0 is normal and must not be "fixed".
 */
export function needsRsna12BitFix(bitsStored: number, pixelRepresentation: 0 | 1, intercept: number, modality: string | undefined): boolean {
  return bitsStored === 12 && pixelRepresentation === 0 && intercept > -100 && (modality === undefined || modality === 'CT');
}

interface Rescale {
  slope: number;
  intercept: number;
  source: RescaleSource;
  perFrame?: { slope: number; intercept: number }[];
}

function findRescale(ds: DataSet): Rescale {
  const top = rescaleIn(ds);
  if (top) return { ...top, source: 'top-level' };
  const { shared } = functionalGroupsOf(ds);
  const sharedRescale = shared && rescaleIn(firstItem(shared.elements[PIXEL_VALUE_TRANSFORMATION]));
  if (sharedRescale) return { ...sharedRescale, source: 'shared-functional-groups' };
  const perFrameItems = ds.elements[PER_FRAME_GROUPS]?.items ?? [];
  const perFrame = perFrameItems.map((it) => rescaleIn(firstItem(it.dataSet?.elements[PIXEL_VALUE_TRANSFORMATION])));
  const first = perFrame[0];
  if (first && perFrame.every((r) => r !== undefined)) {
    const varies = perFrame.some((r) => r!.slope !== first.slope || r!.intercept !== first.intercept);
    return { ...first, source: 'per-frame-functional-groups', ...(varies ? { perFrame: perFrame as { slope: number; intercept: number }[] } : {}) };
  }
  return { slope: 1, intercept: 0, source: 'default' };
}

/** Slope/intercept of a dataset holding (0028,1053)/(0028,1052); undefined unless the intercept is there. */
function rescaleIn(ds: DataSet | undefined): { slope: number; intercept: number } | undefined {
  if (!ds) return undefined;
  const intercept = finiteOrUndefined(ds.floatString('x00281052'));
  if (intercept === undefined) return undefined;
  const slope = finiteOrUndefined(ds.floatString('x00281053')) ?? 1;
  return { slope, intercept };
}

function firstItem(el: Element | undefined): DataSet | undefined {
  return el?.items?.[0]?.dataSet;
}

/** A multi-valued DS attribute as numbers, only when it has exactly `n` finite values. */
function numbersOf(ds: DataSet | undefined, tag: string, n: number): number[] | undefined {
  if (!ds) return undefined;
  const text = ds.string(tag);
  if (text === undefined) return undefined;
  const parts = text.split('\\').map((s) => Number.parseFloat(s));
  return parts.length === n && parts.every(Number.isFinite) ? parts : undefined;
}

/** Looks a value up in the shared functional groups, then in the first per-frame item. */
function numbersInGroups(ds: DataSet, seqTag: string, tag: string, n: number): number[] | undefined {
  const { shared, perFrame } = functionalGroupsOf(ds);
  for (const group of [shared, perFrame]) {
    const found = numbersOf(firstItem(group?.elements[seqTag]), tag, n);
    if (found) return found;
  }
  return undefined;
}

function finiteOrUndefined(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

function cleanString(s: string | undefined): string | undefined {
  const t = s?.replace(/\0/g, '').trim();
  return t ? t : undefined;
}

function optional<T>(s: string | undefined, f: (s: string) => T): T | undefined {
  return s === undefined ? undefined : f(s);
}
