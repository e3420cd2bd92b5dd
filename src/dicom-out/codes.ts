/**
 * Every coded concept the result objects use, with where it was checked (docs/dicom-results.md
 * has the table and the reasons). Meanings are the current PS3.16 / SNOMED ones as pydicom 2.3.1's
 * concept dictionary (generated from PS3.16) lists them, unless noted.
 */
import type { HemorrhageSubtype } from './types.js';

export interface Code {
  value: string;
  scheme: 'DCM' | 'SCT' | 'UCUM' | 'LN' | 'RFC5646' | 'UMLS';
  meaning: string;
}

const dcm = (value: string, meaning: string): Code => ({ value, scheme: 'DCM', meaning });
const sct = (value: string, meaning: string): Code => ({ value, scheme: 'SCT', meaning });
const ucum = (value: string, meaning: string): Code => ({ value, scheme: 'UCUM', meaning });

export const CODES = {
  imagingMeasurementReport: dcm('126000', 'Imaging Measurement Report'),
  language: dcm('121049', 'Language of Content Item and Descendants'),
  englishUs: { value: 'en-US', scheme: 'RFC5646', meaning: 'English (United States)' } as Code,
  observerType: dcm('121005', 'Observer Type'),
  device: dcm('121007', 'Device'),
  deviceObserverUid: dcm('121012', 'Device Observer UID'),
  deviceObserverName: dcm('121013', 'Device Observer Name'),
  deviceObserverManufacturer: dcm('121014', 'Device Observer Manufacturer'),
  deviceObserverModelName: dcm('121015', 'Device Observer Model Name'),
  procedureReported: dcm('121058', 'Procedure reported'),
  /** LOINC "Head CT": the issue asks for CT head; CID 100 (baseline) only has 25045-6 "CT unspecified body region". */
  headCt: { value: '24725-4', scheme: 'LN', meaning: 'Head CT' } as Code,
  imagingMeasurements: dcm('126010', 'Imaging Measurements'),
  measurementGroup: dcm('125007', 'Measurement Group'),
  trackingIdentifier: dcm('112039', 'Tracking Identifier'),
  trackingUid: dcm('112040', 'Tracking Unique Identifier'),
  finding: dcm('121071', 'Finding'),
  findingSite: sct('363698007', 'Finding Site'),
  algorithmName: dcm('111001', 'Algorithm Name'),
  algorithmVersion: dcm('111003', 'Algorithm Version'),
  referencedSegment: dcm('121191', 'Referenced Segment'),
  sourceSeriesForSegmentation: dcm('121232', 'Source series for segmentation'),
  volume: sct('118565006', 'Volume'),
  probability: dcm('122157', 'Probability'),
  presence: dcm('121052', 'Presence of property'),
  present: sct('52101004', 'Present'),
  absent: sct('272519000', 'Absent'),
  height: dcm('121207', 'Height'),
  superiorExtent: dcm('128120', 'Plane through Superior Extent'),
  inferiorExtent: dcm('128121', 'Plane through Inferior Extent'),
  keyImages: dcm('121180', 'Key Images'),
  /** TID 1500 row 12's container concept. */
  qualitativeEvaluations: { value: 'C0034375', scheme: 'UMLS', meaning: 'Qualitative Evaluations' } as Code,
  comment: dcm('121106', 'Comment'),
  /** UCUM millilitre: what the issue asks for (`predict --json` volumeMl); CID 7462 lists only cm3 (same quantity). */
  milliliter: ucum('ml', 'milliliter'),
  millimeter: ucum('mm', 'millimeter'),
  noUnits: ucum('1', 'no units'),
  ofInterest: dcm('113000', 'Of Interest'),
  keyObjectDescription: dcm('113012', 'Key Object Description'),
  source: sct('260753009', 'Source'),
  processingEquipment: dcm('109102', 'Processing Equipment'),
  artificialIntelligence: dcm('123110', 'Artificial Intelligence'),
  segmentation: dcm('113076', 'Segmentation'),
  sourceImageForProcessing: dcm('121322', 'Source image for image processing operation'),
  morphologicallyAbnormalStructure: sct('49755003', 'Morphologically Abnormal Structure'),
  hemorrhage: sct('50960005', 'Hemorrhage'),
  intracranialHemorrhage: sct('1386000', 'Intracranial hemorrhage'),
  brain: sct('12738006', 'Brain'),
  cranialCavity: sct('1101003', 'Cranial Cavity'),
  subarachnoidSpace: sct('35951006', 'Subarachnoid space'),
  brainVentricle: sct('35764002', 'Brain ventricle'),
} as const;

export interface SubtypeCoding {
  /** Tracking identifier and SEG segment label. */
  label: string;
  /** SR Finding: the disorder where a code was verified, else Hemorrhage (qualified by the site). */
  finding: Code;
  /** SR Finding Site and SEG Anatomic Region. */
  site: Code;
  /** RGB for the segment's display colour (CIELab is derived from it). */
  rgb: [number, number, number];
}

/**
 * Per subtype: subarachnoid (21454007) and intraparenchymal (274100004, "Cerebral hemorrhage") were
 * verified in a SNOMED International expansion; subdural 35486000 has third-party sources only;
 * for epidural and intraventricular no code could be verified, so the Finding is Hemorrhage with
 * the site saying where (see docs/dicom-results.md).
 */
export const SUBTYPE_CODING: Readonly<Record<HemorrhageSubtype, SubtypeCoding>> = {
  epidural: { label: 'Epidural hemorrhage', finding: CODES.hemorrhage, site: CODES.cranialCavity, rgb: [230, 25, 75] },
  intraparenchymal: { label: 'Intraparenchymal hemorrhage', finding: sct('274100004', 'Cerebral hemorrhage'), site: CODES.brain, rgb: [255, 225, 25] },
  intraventricular: { label: 'Intraventricular hemorrhage', finding: CODES.hemorrhage, site: CODES.brainVentricle, rgb: [0, 130, 200] },
  subarachnoid: { label: 'Subarachnoid hemorrhage', finding: sct('21454007', 'Subarachnoid intracranial hemorrhage'), site: CODES.subarachnoidSpace, rgb: [60, 180, 75] },
  subdural: { label: 'Subdural hemorrhage', finding: sct('35486000', 'Subdural intracranial hemorrhage'), site: CODES.cranialCavity, rgb: [245, 130, 48] },
};
