/**
 * QIDO-RS answers (PS3.18 §10.6) in the DICOM JSON model (PS3.18 Annex F): study, series and
 * instance attributes built from the recorded headers of a study's instances (received and
 * results alike). Tags are 8 upper-case hex digits; an empty attribute has a `vr` and no `Value`.
 */
import type { RecordedHeader } from '../read-instance-header.js';
import type { StudyInstance } from './study-instances.js';

export type DicomJsonAttribute = { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string };
export type DicomJsonDataset = Record<string, DicomJsonAttribute>;

/** A text attribute (empty string → no Value). */
export function textAttr(vr: string, value: string): DicomJsonAttribute {
  return value === '' ? { vr } : { vr, Value: [value] };
}

function pnAttr(value: string): DicomJsonAttribute {
  return value === '' ? { vr: 'PN' } : { vr: 'PN', Value: [{ Alphabetic: value }] };
}

function numberAttr(vr: string, value: number | null): DicomJsonAttribute {
  return value === null ? { vr } : { vr, Value: [value] };
}

/** The first received instance speaks for the study (results copy its patient and study attributes anyway). */
function studyHeader(instances: readonly StudyInstance[]): RecordedHeader | undefined {
  return (instances.find((i) => i.resultKind === null) ?? instances[0])?.header;
}

/** Study-level attributes; `base` is the service's origin (for RetrieveURL). */
export function toStudyAttributes(instances: readonly StudyInstance[], base: string): DicomJsonDataset {
  const h = studyHeader(instances);
  if (!h) return {};
  const modalities = [...new Set(instances.map((i) => i.header.modality).filter(Boolean))].sort();
  const series = new Set(instances.map((i) => i.header.seriesUid));
  return {
    '00080005': { vr: 'CS', Value: ['ISO_IR 192'] },
    '00080020': textAttr('DA', h.studyDate),
    '00080030': textAttr('TM', h.studyTime),
    '00080050': textAttr('SH', h.accessionNumber),
    '00080056': { vr: 'CS', Value: ['ONLINE'] },
    '00080061': modalities.length ? { vr: 'CS', Value: modalities } : { vr: 'CS' },
    '00080090': pnAttr(h.referringPhysicianName),
    '00081030': textAttr('LO', h.studyDescription),
    '00081190': { vr: 'UR', Value: [`${base}/dicomweb/studies/${h.studyUid}`] },
    '00100010': pnAttr(h.patientName),
    '00100020': textAttr('LO', h.patientId),
    '00100030': textAttr('DA', h.patientBirthDate),
    '00100040': textAttr('CS', h.patientSex),
    '00101010': textAttr('AS', h.patientAge),
    '0020000D': { vr: 'UI', Value: [h.studyUid] },
    '00200010': textAttr('SH', h.studyId),
    '00201206': { vr: 'IS', Value: [series.size] },
    '00201208': { vr: 'IS', Value: [instances.length] },
  };
}

/** One entry per series, in series-number order (the instances come sorted). */
export function toSeriesAttributes(instances: readonly StudyInstance[], base: string): DicomJsonDataset[] {
  const bySeries = new Map<string, StudyInstance[]>();
  for (const i of instances) {
    const list = bySeries.get(i.header.seriesUid);
    if (list) list.push(i);
    else bySeries.set(i.header.seriesUid, [i]);
  }
  return [...bySeries.values()].map((list) => {
    const h = (list[0] as StudyInstance).header;
    return {
      '00080005': { vr: 'CS', Value: ['ISO_IR 192'] },
      '00080021': textAttr('DA', h.seriesDate),
      '00080060': textAttr('CS', h.modality),
      '0008103E': textAttr('LO', h.seriesDescription),
      '00081190': { vr: 'UR', Value: [`${base}/dicomweb/studies/${h.studyUid}/series/${h.seriesUid}`] },
      '0020000D': { vr: 'UI', Value: [h.studyUid] },
      '0020000E': { vr: 'UI', Value: [h.seriesUid] },
      '00200011': numberAttr('IS', h.seriesNumber),
      '00201209': { vr: 'IS', Value: [list.length] },
    };
  });
}

export function toInstanceAttributes(i: StudyInstance, base: string): DicomJsonDataset {
  const h = i.header;
  return {
    '00080016': textAttr('UI', h.sopClassUid),
    '00080018': { vr: 'UI', Value: [h.sopUid] },
    '00080060': textAttr('CS', h.modality),
    '00081190': { vr: 'UR', Value: [`${base}/dicomweb/studies/${h.studyUid}/series/${h.seriesUid}/instances/${h.sopUid}`] },
    '0020000D': { vr: 'UI', Value: [h.studyUid] },
    '0020000E': { vr: 'UI', Value: [h.seriesUid] },
    '00200013': numberAttr('IS', h.instanceNumber),
    '00280008': { vr: 'IS', Value: [h.numberOfFrames] },
    '00280010': numberAttr('US', h.rows),
    '00280011': numberAttr('US', h.columns),
  };
}

/** DICOM matching of a query value: `*` and `?` wildcards, else exact; a UID list (`\` or `,`) matches any. */
export function matchesQuery(pattern: string | undefined, value: string, uidList = false): boolean {
  if (pattern === undefined || pattern === '' || pattern === '*') return true;
  if (uidList) return pattern.split(/[\\,]/).map((s) => s.trim()).includes(value);
  if (!/[*?]/.test(pattern)) return pattern === value;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return re.test(value);
}
