/**
 * Which series of a complete study gets scored: CT of the head (Body Part Examined, when given,
 * names the head: dicom/body-part.ts), axial, ORIGINAL, ≥ 10 slices, slice thickness
 * ≤ 5 mm, not a scout/localizer, dose report or other non-image object; among those, non-contrast
 * before contrast-enhanced (dicom/contrast.ts: the model reads non-contrast CT), then brain /
 * soft-tissue kernels before unknown ones before bone/sharp ones, then the most slices. Every
 * series not chosen gets the reason, shown in `GET /api/studies/:uid`.
 */
import type { InstanceHeader } from './read-instance-header.js';

export interface SkippedSeries {
  seriesInstanceUid: string;
  instances: number;
  description: string;
  reason: string;
}

export interface SeriesSelection {
  /** `contrast`: the chosen series is enhanced (every eligible one was): why the header says so. */
  chosen: { seriesInstanceUid: string; instances: number; contrast?: string } | undefined;
  skipped: SkippedSeries[];
}

export const MIN_SLICES = 10;
export const MAX_THICKNESS_MM = 5;
const CT_IMAGE_STORAGE = ['1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.2.1'];
const SCOUT = /\b(scout|topogram|localizer|localiser|surview|scanogram|pilot)\b/i;
const DOSE = /\b(dose|screen ?save|report)\b/i;
/** Siemens H/Hr/J ≥ 60, B ≥ 60, names with bone/sharp/lung/edge: bone-ish reconstructions. */
const BONE_KERNEL = /(bone|sharp|lung|edge|detail|^(h|hr|j|b|br|qr)[6-9]\d)/i;
/** Brain / soft tissue: Siemens H/Hr/J/Qr < 50, "brain", "soft", "std"/"standard", GE "head". */
const SOFT_KERNEL = /(brain|soft|std|standard|head|^(h|hr|j|qr)[1-4]\d|^fc2\d|^ub)/i;

/** Axial within ~25°: the slice normal (row × column cosines) is mostly along patient z. */
function isAxial(h: InstanceHeader): boolean | undefined {
  const o = h.orientation;
  if (o) {
    const [a = 0, b = 0, , d = 0, e = 0] = o;
    return Math.abs(a * e - b * d) > 0.9;
  }
  if (h.imageType.includes('AXIAL')) return true;
  return undefined;
}

/** Why one series cannot be scored, or undefined when it can. */
export function rejectReason(headers: readonly InstanceHeader[]): string | undefined {
  const h = headers[0];
  if (!h) return 'no instances';
  if (h.modality !== 'CT') return `modality ${h.modality || 'absent'}, not CT`;
  if (h.notHead) return `${h.notHead}, not a head CT`;
  if (h.sopClassUid && !CT_IMAGE_STORAGE.includes(h.sopClassUid)) return `SOP class ${h.sopClassUid} is not a CT image (dose report, secondary capture or other object)`;
  if (h.imageType.includes('LOCALIZER') || SCOUT.test(h.seriesDescription)) return 'scout / localizer';
  if (DOSE.test(h.seriesDescription)) return 'dose report or screen capture';
  if (h.imageType[0] !== undefined && h.imageType[0] !== 'ORIGINAL') return `ImageType ${h.imageType[0]}, not ORIGINAL`;
  const axial = isAxial(h);
  if (axial === false) return 'not axial (reformat)';
  if (axial === undefined) return 'orientation unknown (no ImageOrientationPatient, ImageType lacks AXIAL)';
  if (headers.length < MIN_SLICES) return `${headers.length} slices, fewer than ${MIN_SLICES}`;
  if (h.sliceThicknessMm !== null && h.sliceThicknessMm > MAX_THICKNESS_MM) return `slice thickness ${h.sliceThicknessMm} mm > ${MAX_THICKNESS_MM} mm`;
  return undefined;
}

function kernelRank(kernel: string): number {
  if (SOFT_KERNEL.test(kernel)) return 0;
  if (BONE_KERNEL.test(kernel)) return 2;
  return 1;
}

/** Picks the series to score from a study's instance headers. */
export function selectSeries(headers: readonly InstanceHeader[]): SeriesSelection {
  const bySeries = new Map<string, InstanceHeader[]>();
  for (const h of headers) bySeries.set(h.seriesUid, [...(bySeries.get(h.seriesUid) ?? []), h]);
  const skipped: SkippedSeries[] = [];
  const eligible: { uid: string; list: InstanceHeader[]; rank: number; contrast: string | undefined }[] = [];
  for (const [uid, list] of bySeries) {
    const reason = rejectReason(list);
    const first = list[0] as InstanceHeader;
    if (reason) skipped.push({ seriesInstanceUid: uid, instances: list.length, description: first.seriesDescription, reason });
    else eligible.push({ uid, list, rank: kernelRank(first.convolutionKernel), contrast: list.find((h) => h.contrast)?.contrast });
  }
  const enhanced = (e: { contrast: string | undefined }): number => (e.contrast ? 1 : 0);
  eligible.sort((a, b) => enhanced(a) - enhanced(b) || a.rank - b.rank || b.list.length - a.list.length || (a.uid < b.uid ? -1 : 1));
  const [best, ...rest] = eligible;
  for (const e of rest) {
    const kernel = (e.list[0] as InstanceHeader).convolutionKernel;
    const why =
      best && e.contrast && !best.contrast
        ? `contrast-enhanced (${e.contrast}); a non-contrast series was chosen`
        : best && e.rank > best.rank
          ? `${kernel || 'unknown'} kernel; a softer-kernel series was chosen`
          : 'another eligible series was chosen (softer kernel or more slices)';
    skipped.push({ seriesInstanceUid: e.uid, instances: e.list.length, description: (e.list[0] as InstanceHeader).seriesDescription, reason: why });
  }
  return { chosen: best ? { seriesInstanceUid: best.uid, instances: best.list.length, ...(best.contrast ? { contrast: best.contrast } : {}) } : undefined, skipped };
}
