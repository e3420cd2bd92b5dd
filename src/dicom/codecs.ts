/**
 * Compressed-frame decoding through dcmjs-codecs 0.0.8 (one 4 MB WASM module: libjpeg-turbo /
 * IJG for JPEG baseline, extended 12-bit and lossless 14/SV1, CharLS for JPEG-LS, OpenJPEG for
 * JPEG 2000, OpenJPH for HTJ2K). Loaded lazily, once per process, by `initCodecs()`.
 */
import { ichError, toIchError } from '../core/errors.js';
import type { PixelEncoding } from './transfer-syntax.js';
import type { CtMeta } from './types.js';

type CodecsModule = typeof import('dcmjs-codecs');

let codecs: CodecsModule | undefined;
let loading: Promise<void> | undefined;

/** Loads and initialises the WASM codecs (tens of ms, once); later calls return at once. */
export function initCodecs(): Promise<void> {
  loading ??= (async () => {
    const mod = (await import('dcmjs-codecs')).default as unknown as CodecsModule;
    mod.log.setLevel('silent');
    await mod.NativeCodecs.initializeAsync();
    codecs = mod;
  })();
  return loading;
}

/** True once `initCodecs()` has finished. */
export function codecsReady(): boolean {
  return codecs !== undefined;
}

export type FrameGeometry = Pick<CtMeta, 'rows' | 'columns' | 'bitsAllocated' | 'bitsStored' | 'pixelRepresentation' | 'photometricInterpretation'>;

/**
 * Decodes one compressed frame to little-endian samples of BitsAllocated bits (a copy owned by the
 * caller). Throws ICH_E_INTERNAL when the codecs are not loaded, ICH_E_DECODE when the codec fails.
 */
export function decodeCompressedFrame(
  encoding: Exclude<PixelEncoding, 'native' | 'rle'>,
  encoded: Uint8Array,
  g: FrameGeometry,
  file: string,
): Uint8Array {
  const c = codecs;
  if (!c) throw ichError('ICH_E_INTERNAL', `${encoding} pixel data needs the codecs: await initCodecs() before decodeDicomSync`, { file });
  const ctx = new c.Context({
    width: g.columns,
    height: g.rows,
    bitsAllocated: g.bitsAllocated,
    bitsStored: g.bitsStored,
    samplesPerPixel: 1,
    pixelRepresentation: g.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: g.photometricInterpretation,
    encodedBuffer: encoded,
  });
  let result: InstanceType<CodecsModule['Context']>;
  try {
    // Each call returns a new Context whose decoded buffer is already copied out of WASM memory.
    switch (encoding) {
      case 'jpeg':
        result = c.NativeCodecs.decodeJpeg(ctx, { convertColorspaceToRgb: false });
        break;
      case 'jpeg-ls':
        result = c.NativeCodecs.decodeJpegLs(ctx);
        break;
      case 'jpeg2000':
        result = c.NativeCodecs.decodeJpeg2000(ctx);
        break;
      case 'htj2k':
        result = c.NativeCodecs.decodeHtJpeg2000(ctx);
        break;
    }
  } catch (e) {
    throw toIchError(e, 'ICH_E_DECODE', file);
  }
  const out = result.getDecodedBuffer();
  if (!out) throw ichError('ICH_E_DECODE', `${encoding} codec returned no pixels`, { file });
  return out;
}
