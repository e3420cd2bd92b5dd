/** A small PNG reader for tests: checks signature, chunk order and CRCs, inflates and un-filters. */
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { crc32Js } from '../../src/preprocess/crc32.js';

export interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  pixels: Uint8Array;
}

export function decodePng(png: Buffer): DecodedPng {
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
