/** PNG output parsed back by hand (signature, IHDR, chunk CRCs, inflate, un-filter). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { encodePng } from '../../src/preprocess/index.js';
import { crc32, crc32Js } from '../../src/preprocess/crc32.js';
import type { Image } from '../../src/core/tensor.js';

interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  pixels: Uint8Array;
}

function decodePng(png: Buffer): DecodedPng {
  assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    assert.equal(png.readUInt32BE(off + 8 + len), crc32Js(png.subarray(off + 4, off + 8 + len)), `CRC of ${type}`);
    chunks.push({ type, data });
    off += 12 + len;
  }
  assert.deepEqual(chunks.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
  const ihdr = (chunks[0] as { data: Buffer }).data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  assert.equal(ihdr[8], 8);
  const colorType = ihdr[9] as number;
  const c = colorType === 0 ? 1 : 3;
  const raw = inflateSync((chunks[1] as { data: Buffer }).data);
  const stride = width * c;
  assert.equal(raw.length, height * (stride + 1));
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const v = raw[y * (stride + 1) + 1 + i] as number;
      const up = y > 0 ? (pixels[(y - 1) * stride + i] as number) : 0;
      if (filter === 0) pixels[y * stride + i] = v;
      else if (filter === 2) pixels[y * stride + i] = (v + up) & 0xff;
      else assert.fail(`unexpected filter ${filter}`);
    }
  }
  return { width, height, colorType, pixels };
}

test('greyscale PNG decodes back to the same pixels', () => {
  const img: Image<'uint8'> = { dtype: 'uint8', data: Uint8Array.from({ length: 13 * 9 }, (_, i) => (i * 37) % 256), shape: [9, 13, 1] };
  const d = decodePng(encodePng(img));
  assert.deepEqual([d.width, d.height, d.colorType], [13, 9, 0]);
  assert.deepEqual(Array.from(d.pixels), Array.from(img.data));
});

test('RGB PNG from a float32 image uses round(255·v)', () => {
  const img: Image<'float32'> = { dtype: 'float32', data: Float32Array.from([0, 0.5, 1, 0.2, 1.5, -1]), shape: [1, 2, 3] };
  const d = decodePng(encodePng(img));
  assert.deepEqual([d.width, d.height, d.colorType], [2, 1, 2]);
  assert.deepEqual(Array.from(d.pixels), [0, 128, 255, 51, 255, 0]);
});

test('two or four channels are refused', () => {
  assert.throws(() => encodePng({ dtype: 'uint8', data: new Uint8Array(8), shape: [2, 2, 2] }), /1 \(grey\) or 3 \(RGB\)/);
});

test('CRC-32: native and JS agree; known value of "123456789" is 0xCBF43926', () => {
  const check = Buffer.from('123456789', 'latin1');
  assert.equal(crc32Js(check), 0xcbf43926);
  assert.equal(crc32(check), 0xcbf43926);
  const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 131) % 256);
  assert.equal(crc32(big), crc32Js(big));
  assert.equal(crc32(big.subarray(500), crc32(big.subarray(0, 500))), crc32Js(big));
});
