/**
 * The Key Object Selection document (SOP Class 1.2.840.10008.5.1.4.1.1.88.59, TID 2010) listing the
 * key images: title "Of Interest", the device observer, a description that says NOT FOR
 * DIAGNOSTIC USE, then one IMAGE item per Secondary Capture key image.
 */
import type { DicomElement } from '../dicom/write-part10.js';
import { CODES } from './codes.js';
import { clip, equipmentElements, evidenceItem, NOT_FOR_DIAGNOSTIC_USE, seriesElements, sopCommonElements, type InstanceRef, type Producer } from './common.js';
import type { SourceSlice } from './read-source.js';
import { copiedStudyElements } from './read-source.js';
import { codeItem, containerItem, imageItem, textItem, uidrefItem } from './sr-content.js';

export const KEY_OBJECT_SELECTION_STORAGE = '1.2.840.10008.5.1.4.1.1.88.59';

export interface KosIdentity {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  deviceObserverUid: string;
}

export function buildKosDataset(source: SourceSlice, studyInstanceUid: string, keyImages: readonly InstanceRef[], id: KosIdentity, p: Producer): DicomElement[] {
  const content = containerItem(
    undefined,
    CODES.ofInterest,
    [
      codeItem('HAS OBS CONTEXT', CODES.observerType, CODES.device),
      uidrefItem('HAS OBS CONTEXT', CODES.deviceObserverUid, id.deviceObserverUid),
      textItem('HAS OBS CONTEXT', CODES.deviceObserverName, clip(`${p.model.name} ${p.model.version}`, 1024)),
      textItem('CONTAINS', CODES.keyObjectDescription, `Key slices of an automated intracranial hemorrhage result (ichscan). ${NOT_FOR_DIAGNOSTIC_USE}.`),
      ...keyImages.map((ref) => imageItem('CONTAINS', null, ref)),
    ],
    '2010',
  );
  return [
    ...copiedStudyElements(source, studyInstanceUid),
    ...seriesElements({ modality: 'KO', seriesInstanceUid: id.seriesInstanceUid, seriesNumber: 904, description: 'ichscan key images' }, p),
    { tag: 0x00081111, vr: 'SQ', value: [] }, // ReferencedPerformedProcedureStepSequence: type 2, none
    ...equipmentElements(p),
    ...sopCommonElements(KEY_OBJECT_SELECTION_STORAGE, id.sopInstanceUid, 1, p),
    { tag: 0x0040a375, vr: 'SQ', value: [evidenceItem(studyInstanceUid, keyImages)] },
    ...content,
  ];
}
