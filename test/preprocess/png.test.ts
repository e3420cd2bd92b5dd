/** PNG output parsed back by hand (signature, IHDR, chunk CRCs, inflate, un-filter). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePng } from '../../src/preprocess/index.js';
import { crc32, crc32Js } from '../../src/preprocess/crc32.js';
import { decodePng } from './png-decode.js';
import type { Image } from '../../src/core/tensor.js';

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
