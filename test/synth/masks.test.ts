import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { countMaskBits, decodeSliceMask, encodeSliceMask } from '../../src/synth/masks.js';
import { isIchError } from '../../src/core/errors.js';

test('masks round-trip, count bits per subtype, and malformed files are coded errors naming the file', () => {
  const bits = new Uint8Array(12);
  bits[0] = 1;
  bits[5] = 2 | 16;
  bits[11] = 8;
  const bytes = encodeSliceMask({ rows: 3, columns: 4, bits });
  const back = decodeSliceMask(bytes, 'm.mask.gz');
  assert.equal(back.rows, 3);
  assert.equal(back.columns, 4);
  assert.deepEqual([...back.bits], [...bits]);
  assert.deepEqual(countMaskBits(back.bits), [1, 1, 0, 1, 1]);
  const isBad = (e: unknown): boolean => isIchError(e, 'ICH_E_BAD_LABELS') && /m\.mask\.gz/.test((e as Error).message);
  assert.throws(() => decodeSliceMask(Buffer.from('nope'), 'm.mask.gz'), isBad);
  assert.throws(() => decodeSliceMask(gzipSync(Buffer.from('WRONGHDR00000000')), 'm.mask.gz'), isBad);
  const short = gzipSync(Buffer.concat([Buffer.from('ICHMASK1'), Buffer.from([3, 0, 0, 0, 4, 0, 0, 0]), Buffer.alloc(5)]));
  assert.throws(() => decodeSliceMask(short, 'm.mask.gz'), isBad, '5 bytes where the header says 3×4');
});
