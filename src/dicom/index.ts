/**
 * The DICOM stage: bytes → typed metadata (`CtMeta`) → raw stored values (`RawPixels`) → HU.
 * Everything downstream imports from here only.
 */
export type { CtMeta, DecodedDicom, RawPixels, RescaleSource } from './types.js';
export { readDicomHeader, decodeDicom, decodeDicomSync, readDicomFile, initCodecs } from './decode.js';
export { computeHu, applyRsna12BitFix, replacePaddingWithAir, frameRescale, AIR_HU, type HuOptions } from './hu.js';
export { SUPPORTED_TRANSFER_SYNTAXES, lookUpTransferSyntax, type TransferSyntaxInfo } from './transfer-syntax.js';
export { MAX_DECODED_BYTES, MAX_DIMENSION, MAX_FRAMES } from './limits.js';
export { slicePosition } from './geometry.js';
export { seriesUidsOf, seriesGroupOf, compareSeries, compareSlicesBy, type SeriesUids, type OrderedSlice } from './series-order.js';
