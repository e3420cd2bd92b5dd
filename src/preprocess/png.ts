/**
 * Minimal PNG encoder (node:zlib only): 8-bit greyscale (1 channel) or RGB (3 channels), no
 * interlace, every row with the "Up" filter (cheap and compresses CT well). float32 images are
 * converted with the pipeline's one rule, round(255 · v) clamped (see quantizeToUint8).
 */
import { deflateSync } from 'node:zlib';
import type { Image } from '../core/tensor.js';
import { ichError } from '../core/errors.js';
import { crc32 } from './crc32.js';
import { quantizeToUint8 } from './preprocess-decoded.js';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encode an HWC image with 1 (grey) or 3 (RGB) channels as a PNG file's bytes. */
export function encodePng(image: Image<'uint8'> | Image<'float32'>): Buffer {
  const [h, w, c] = image.shape;
  if (c !== 1 && c !== 3) throw ichError('ICH_E_USAGE', `PNG needs 1 (grey) or 3 (RGB) channels, the image has ${c}`);
  if (h < 1 || w < 1) throw ichError('ICH_E_BAD_DIMENSIONS', `PNG of ${h}×${w}`);
  const px = image.dtype === 'uint8' ? image.data : quantizeToUint8(image).data;
  const stride = w * c;
  const raw = Buffer.alloc(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const o = y * (stride + 1);
    const row = y * stride;
    if (y === 0) {
      raw[o] = 0; // None
      raw.set(px.subarray(0, stride), o + 1);
      continue;
    }
    raw[o] = 2; // Up: byte minus the byte above, mod 256
    for (let i = 0; i < stride; i++) raw[o + 1 + i] = ((px[row + i] as number) - (px[row - stride + i] as number)) & 0xff;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = c === 1 ? 0 : 2; // colour type: grey / RGB
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
