/**
 * The DICOM stage's entry points: header only, or header + raw stored values of all frames.
 * Native (uncompressed, deflated, big endian) and RLE decode synchronously; JPEG, JPEG-LS,
 * JPEG 2000 and HTJ2K need the WASM codecs, loaded once by `initCodecs()` (`decodeDicom` does it).
 */
import { readFile } from 'node:fs/promises';
import { ichError, isIchError, toIchError } from '../core/errors.js';
import { parseDataSet, type ParsedDataSet } from './parse.js';
import { extractCtMeta } from './header.js';
import { readNativePixels } from './native.js';
import { decodeEncapsulatedPixels } from './encapsulated.js';
import { codecsReady, initCodecs } from './codecs.js';
import { lookUpTransferSyntax } from './transfer-syntax.js';
import type { CtMeta, DecodedDicom } from './types.js';

export { initCodecs };

/**
 * Reads metadata only: parsing stops at the Pixel Data element header, so any prefix of the file
 * that holds the whole header is enough (the index reads 64 KiB per file). Throws IchError naming `file`.
 */
export function readDicomHeader(bytes: Uint8Array, file: string): CtMeta {
  return guard(file, () => {
    const { dataSet, transferSyntaxUid } = parseDataSet(bytes, file, { headerOnly: true });
    return extractCtMeta(dataSet, transferSyntaxUid, file);
  });
}

/**
 * Header + raw stored values, synchronously. Works for every supported syntax once
 * `await initCodecs()` has run; before that, only native and RLE (others throw ICH_E_INTERNAL
 * saying so). Native little-endian pixels are a zero-copy view on `bytes`: do not modify them.
 */
export function decodeDicomSync(bytes: Uint8Array, file: string): DecodedDicom {
  return guard(file, () => decodeParsed(parseDataSet(bytes, file), file));
}

/** Like `decodeDicomSync`, loading the codecs first when the syntax needs them. */
export async function decodeDicom(bytes: Uint8Array, file: string): Promise<DecodedDicom> {
  const parsed = guard(file, () => parseDataSet(bytes, file));
  if (!codecsReady()) {
    const ts = lookUpTransferSyntax(parsed.transferSyntaxUid);
    if (ts && ts.encoding !== 'native' && ts.encoding !== 'rle') {
      try {
        await initCodecs();
      } catch (e) {
        throw toIchError(e, 'ICH_E_DECODE', file);
      }
    }
  }
  return guard(file, () => decodeParsed(parsed, file));
}

function decodeParsed({ dataSet, transferSyntaxUid }: ParsedDataSet, file: string): DecodedDicom {
  const meta = extractCtMeta(dataSet, transferSyntaxUid, file);
  const ts = lookUpTransferSyntax(transferSyntaxUid);
  if (!ts) throw ichError('ICH_E_UNSUPPORTED_SYNTAX', transferSyntaxUid, { file });
  const data =
    ts.encoding === 'native' ? readNativePixels(dataSet, meta, ts.littleEndian) : decodeEncapsulatedPixels(dataSet, meta, ts.encoding);
  return { meta, raw: { data, rows: meta.rows, columns: meta.columns, frames: meta.frames } };
}

/** Reads and decodes a file. ICH_E_FILE_NOT_FOUND / ICH_E_FILE_READ when it cannot be read. */
export async function readDicomFile(path: string): Promise<DecodedDicom> {
  return decodeDicom(await readFileBytes(path), path);
}

/** Reads a whole file; ICH_E_FILE_NOT_FOUND when absent, ICH_E_FILE_READ for other I/O errors (e.g. a directory). */
export async function readFileBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'ICH_E_FILE_NOT_FOUND' : 'ICH_E_FILE_READ';
    throw toIchError(e, code, path);
  }
}

/** Runs `f`, turning anything that is not already an IchError (RangeError from a bad view, a library's string) into one. */
function guard<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isIchError(e)) throw e;
    throw toIchError(e, 'ICH_E_DECODE', file);
  }
}
