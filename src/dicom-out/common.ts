/**
 * Modules every result object shares: coded entries, dates, General Series, (Enhanced) General
 * Equipment, Contributing Equipment, SOP Common, and the hierarchical SOP instance references the
 * evidence sequences use. Each returns DicomElement lists for the strict writer.
 */
import { formatDs, type DicomElement } from '../dicom/write-part10.js';
import type { Code } from './codes.js';
import { CODES } from './codes.js';

/** Wherever the standard gives free text a place, results say this (see docs/dicom-results.md). */
export const NOT_FOR_DIAGNOSTIC_USE = 'NOT FOR DIAGNOSTIC USE';
export const MANUFACTURER = 'ichscan';
/** ichscan's implementation class UID (file meta): under the 2.25 UUID root, fixed. */
export const IMPLEMENTATION_CLASS_UID = '2.25.207952336196839402932316745287014521377';

/** Who made the results: ichscan's version and the model that scored the study. */
export interface Producer {
  softwareVersion: string;
  model: { name: string; version: string };
  /** Creation time, formatted once so every object of a study carries the same instant. */
  date: string;
  time: string;
  dateTime: string;
}

/** Printable ASCII without backslash (the writer's default repertoire), so any model name can be written. */
function toDefaultRepertoire(text: string): string {
  return text.replace(/[^\x20-\x5b\x5d-\x7e]/g, '_');
}

export function createProducer(softwareVersion: string, modelIn: { name: string; version: string }, now: Date): Producer {
  const model = { name: toDefaultRepertoire(modelIn.name) || 'unnamed', version: toDefaultRepertoire(modelIn.version) || 'unknown' };
  const iso = now.toISOString(); // UTC: 2026-12-01T20:34:15.123Z
  const date = iso.slice(0, 10).replace(/-/g, '');
  const time = iso.slice(11, 19).replace(/:/g, '');
  return { softwareVersion: toDefaultRepertoire(softwareVersion), model, date, time, dateTime: `${date}${time}+0000` };
}

/** Code Sequence Macro (Table 8.8-1) attributes of one item. */
export function codeElements(code: Code): DicomElement[] {
  return [
    { tag: 0x00080100, vr: 'SH', value: code.value },
    { tag: 0x00080102, vr: 'SH', value: code.scheme },
    { tag: 0x00080104, vr: 'LO', value: code.meaning },
  ];
}

export function codeSequence(tag: number, code: Code): DicomElement {
  return { tag, vr: 'SQ', value: [codeElements(code)] };
}

export function ds(tag: number, values: readonly number[]): DicomElement {
  return { tag, vr: 'DS', value: values.map(formatDs) };
}

/** Clips text to a VR's limit (LO 64, SH 16) so long model names never break the writer. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max);
}

function softwareVersions(p: Producer): string[] {
  return [clip(`ichscan ${p.softwareVersion}`, 64), clip(`${p.model.name} ${p.model.version}`, 64)];
}

/** General Equipment (C.7.5.1) + Enhanced General Equipment (C.7.5.2): ichscan, the model as the device. */
export function equipmentElements(p: Producer): DicomElement[] {
  return [
    { tag: 0x00080070, vr: 'LO', value: MANUFACTURER },
    { tag: 0x00081090, vr: 'LO', value: clip(p.model.name, 64) },
    { tag: 0x00181000, vr: 'LO', value: clip(p.model.version, 64) },
    { tag: 0x00181020, vr: 'LO', value: softwareVersions(p) },
    {
      tag: 0x0018a001,
      vr: 'SQ',
      value: [
        [
          { tag: 0x00080070, vr: 'LO', value: MANUFACTURER },
          { tag: 0x00081090, vr: 'LO', value: clip(p.model.name, 64) },
          { tag: 0x00181000, vr: 'LO', value: clip(p.model.version, 64) },
          { tag: 0x00181020, vr: 'LO', value: softwareVersions(p) },
          codeSequence(0x0040a170, CODES.processingEquipment),
          { tag: 0x0018a002, vr: 'DT', value: p.dateTime },
          { tag: 0x0018a003, vr: 'ST', value: `Automated intracranial hemorrhage detection by ${clip(p.model.name, 64)} ${clip(p.model.version, 64)}. ${NOT_FOR_DIAGNOSTIC_USE}.` },
        ],
      ],
    },
  ];
}

export interface SeriesInfo {
  modality: 'SR' | 'SEG' | 'OT' | 'KO';
  seriesInstanceUid: string;
  seriesNumber: number;
  description: string;
}

/** General Series (C.7.3.1) and the modality-specific series modules' shared attributes. */
export function seriesElements(s: SeriesInfo, p: Producer): DicomElement[] {
  return [
    { tag: 0x00080060, vr: 'CS', value: s.modality },
    { tag: 0x0020000e, vr: 'UI', value: s.seriesInstanceUid },
    { tag: 0x00200011, vr: 'IS', value: String(s.seriesNumber) },
    { tag: 0x0008103e, vr: 'LO', value: clip(`${s.description} - ${NOT_FOR_DIAGNOSTIC_USE}`, 64) },
    { tag: 0x00080021, vr: 'DA', value: p.date },
    { tag: 0x00080031, vr: 'TM', value: p.time },
  ];
}

/** SOP Common (C.12.1) plus Content Date/Time. */
export function sopCommonElements(sopClassUid: string, sopInstanceUid: string, instanceNumber: number, p: Producer): DicomElement[] {
  return [
    { tag: 0x00080016, vr: 'UI', value: sopClassUid },
    { tag: 0x00080018, vr: 'UI', value: sopInstanceUid },
    { tag: 0x00080012, vr: 'DA', value: p.date },
    { tag: 0x00080013, vr: 'TM', value: p.time },
    { tag: 0x00080201, vr: 'SH', value: '+0000' },
    { tag: 0x00080023, vr: 'DA', value: p.date },
    { tag: 0x00080033, vr: 'TM', value: p.time },
    { tag: 0x00200013, vr: 'IS', value: String(instanceNumber) },
  ];
}

export interface InstanceRef {
  sopClassUid: string;
  sopInstanceUid: string;
  /** 1-based frame numbers for multi-frame sources; omitted for single-frame ones. */
  frames?: number[];
  seriesInstanceUid: string;
}

/** ReferencedSOPClassUID / ReferencedSOPInstanceUID (copied: source UIDs may be RSNA `ID_…`). */
export function sopRefElements(r: Pick<InstanceRef, 'sopClassUid' | 'sopInstanceUid' | 'frames'>): DicomElement[] {
  const out: DicomElement[] = [
    { tag: 0x00081150, vr: 'UI', value: r.sopClassUid, copied: true },
    { tag: 0x00081155, vr: 'UI', value: r.sopInstanceUid, copied: true },
  ];
  if (r.frames && r.frames.length > 0) out.push({ tag: 0x00081160, vr: 'IS', value: r.frames.map(String) });
  return out;
}

/** Hierarchical SOP Instance Reference Macro (Table C.17-3): one study → its series → their instances. */
export function evidenceItem(studyInstanceUid: string, refs: readonly InstanceRef[]): DicomElement[] {
  const bySeries = new Map<string, InstanceRef[]>();
  const seen = new Set<string>();
  for (const r of refs) {
    if (seen.has(r.sopInstanceUid)) continue; // frames of one multi-frame source: one instance
    seen.add(r.sopInstanceUid);
    bySeries.set(r.seriesInstanceUid, [...(bySeries.get(r.seriesInstanceUid) ?? []), r]);
  }
  return [
    { tag: 0x0020000d, vr: 'UI', value: studyInstanceUid, copied: true },
    {
      tag: 0x00081115,
      vr: 'SQ',
      value: [...bySeries].map(([series, list]): DicomElement[] => [
        { tag: 0x0020000e, vr: 'UI', value: series, copied: true },
        { tag: 0x00081199, vr: 'SQ', value: list.map((r) => sopRefElements({ sopClassUid: r.sopClassUid, sopInstanceUid: r.sopInstanceUid })) },
      ]),
    },
  ];
}
