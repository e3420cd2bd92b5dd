/**
 * Key images as Secondary Capture (SOP Class 1.2.840.10008.5.1.4.1.1.7): the key slice with the
 * overlay already burned in (from predict), with a banner band added above it — "NOT FOR
 * DIAGNOSTIC USE" and the study's P(any) in a 5×7 bitmap font — so no image content is covered.
 * RGB, 8 bits, BurnedInAnnotation YES, referencing its source slice.
 */
import type { Image } from '../core/tensor.js';
import type { DicomElement } from '../dicom/write-part10.js';
import { drawText, GLYPH_HEIGHT, measureText } from '../preprocess/draw.js';
import { CODES } from './codes.js';
import { codeSequence, equipmentElements, NOT_FOR_DIAGNOSTIC_USE, seriesElements, sopCommonElements, sopRefElements, type Producer } from './common.js';
import type { SourceSlice } from './read-source.js';
import { copiedStudyElements } from './read-source.js';

export const SECONDARY_CAPTURE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';
const BANNER_INK: readonly [number, number, number] = [255, 255, 0];

/**
 * A copy of `rgb` (HWC, 3 channels) with a black band on top holding `lines` in yellow, scaled
 * to the width (integer scale ≥ 1; text that does not fit is cut at the right edge).
 */
export function addBanner(rgb: Image<'uint8'>, lines: readonly string[]): Image<'uint8'> {
  const [h, w] = rgb.shape;
  const widest = Math.max(...lines.map((l) => measureText(l)), 1);
  const scale = Math.max(1, Math.min(4, Math.floor((w - 4) / widest)));
  const lineHeight = (GLYPH_HEIGHT + 3) * scale;
  const band = lineHeight * lines.length + 2 * scale;
  const out: Image<'uint8'> = { dtype: 'uint8', data: new Uint8Array((h + band) * w * 3), shape: [h + band, w, 3] };
  out.data.set(rgb.data, band * w * 3);
  lines.forEach((line, li) => {
    const x0 = Math.max(0, Math.floor((w - measureText(line, scale)) / 2));
    drawText(out, line, x0, 2 * scale + li * lineHeight, BANNER_INK, scale); // clipped at the image edge
  });
  return out;
}

export interface KeyImageIdentity {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  instanceNumber: number;
}

/** The Secondary Capture dataset for one key image (without file meta). */
export function buildKeyImageDataset(source: SourceSlice, studyInstanceUid: string, image: Image<'uint8'>, anyProbability: number, id: KeyImageIdentity, p: Producer): DicomElement[] {
  const banner = addBanner(image, [NOT_FOR_DIAGNOSTIC_USE, `ICHSCAN P(ANY)=${anyProbability.toFixed(3)}`]);
  const [rows, columns] = banner.shape;
  return [
    ...copiedStudyElements(source, studyInstanceUid),
    ...seriesElements({ modality: 'OT', seriesInstanceUid: id.seriesInstanceUid, seriesNumber: 903, description: 'ichscan key images' }, p),
    ...equipmentElements(p),
    ...sopCommonElements(SECONDARY_CAPTURE_STORAGE, id.sopInstanceUid, id.instanceNumber, p),
    // BodyPartExamined HEAD tells validators the part is unpaired, so Laterality (type 2C) is absent.
    { tag: 0x00180015, vr: 'CS', value: 'HEAD' },
    { tag: 0x00080064, vr: 'CS', value: 'WSD' },
    { tag: 0x00080008, vr: 'CS', value: ['DERIVED', 'SECONDARY'] },
    { tag: 0x00200020, vr: 'CS', value: '' },
    { tag: 0x00082111, vr: 'ST', value: 'Source slice with the hemorrhage overlay and a banner burned in' },
    {
      tag: 0x00082112,
      vr: 'SQ',
      value: [[...sopRefElements({ sopClassUid: source.sopClassUid, sopInstanceUid: source.sopInstanceUid, ...(source.frames > 1 ? { frames: [source.frame + 1] } : {}) }), codeSequence(0x0040a170, CODES.sourceImageForProcessing)]],
    },
    { tag: 0x00204000, vr: 'LT', value: `Key image with the hemorrhage overlay burned in. ${NOT_FOR_DIAGNOSTIC_USE}.` },
    { tag: 0x00280301, vr: 'CS', value: 'YES' },
    { tag: 0x00282110, vr: 'CS', value: '00' },
    { tag: 0x00280002, vr: 'US', value: 3 },
    { tag: 0x00280004, vr: 'CS', value: 'RGB' },
    { tag: 0x00280006, vr: 'US', value: 0 },
    { tag: 0x00280010, vr: 'US', value: rows },
    { tag: 0x00280011, vr: 'US', value: columns },
    { tag: 0x00280100, vr: 'US', value: 8 },
    { tag: 0x00280101, vr: 'US', value: 8 },
    { tag: 0x00280102, vr: 'US', value: 7 },
    { tag: 0x00280103, vr: 'US', value: 0 },
    { tag: 0x7fe00010, vr: 'OB', value: banner.data },
  ];
}
