/**
 * The transfer syntaxes ichscan reads, and how each one's pixel data is stored.
 * `native` = uncompressed (little or big endian), `deflate` = native after whole-dataset inflate,
 * the others are encapsulated (one or more fragments per frame) and need a codec.
 */
export type PixelEncoding = 'native' | 'rle' | 'jpeg' | 'jpeg-ls' | 'jpeg2000' | 'htj2k';

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  encoding: PixelEncoding;
  /** Byte order of native pixel data (and of the dataset). */
  littleEndian: boolean;
  /** True when the dataset itself was deflated (only 1.2.840.10008.1.2.1.99). */
  deflated: boolean;
}

export const IMPLICIT_VR_LE = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BE = '1.2.840.10008.1.2.2';

const TABLE: readonly TransferSyntaxInfo[] = [
  { uid: IMPLICIT_VR_LE, name: 'Implicit VR Little Endian', encoding: 'native', littleEndian: true, deflated: false },
  { uid: EXPLICIT_VR_LE, name: 'Explicit VR Little Endian', encoding: 'native', littleEndian: true, deflated: false },
  { uid: DEFLATED_EXPLICIT_VR_LE, name: 'Deflated Explicit VR Little Endian', encoding: 'native', littleEndian: true, deflated: true },
  { uid: EXPLICIT_VR_BE, name: 'Explicit VR Big Endian', encoding: 'native', littleEndian: false, deflated: false },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', encoding: 'rle', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', encoding: 'jpeg', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', encoding: 'jpeg', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless, Non-Hierarchical (Process 14)', encoding: 'jpeg', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless, Process 14, SV1', encoding: 'jpeg', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', encoding: 'jpeg-ls', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Lossy (Near-Lossless)', encoding: 'jpeg-ls', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', encoding: 'jpeg2000', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', encoding: 'jpeg2000', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.201', name: 'HTJ2K Lossless', encoding: 'htj2k', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.202', name: 'HTJ2K Lossless RPCL', encoding: 'htj2k', littleEndian: true, deflated: false },
  { uid: '1.2.840.10008.1.2.4.203', name: 'HTJ2K', encoding: 'htj2k', littleEndian: true, deflated: false },
];

const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

/** The syntaxes ichscan can decode, in table order (for docs and `--help`). */
export const SUPPORTED_TRANSFER_SYNTAXES: readonly TransferSyntaxInfo[] = TABLE;

/** Looks a UID up; undefined when ichscan cannot decode pixel data in that syntax. */
export function lookUpTransferSyntax(uid: string): TransferSyntaxInfo | undefined {
  return BY_UID.get(uid);
}
