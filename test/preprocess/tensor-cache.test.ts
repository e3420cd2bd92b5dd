import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTensorCache, writeTensorCache, type TensorCacheMeta } from '../../src/preprocess/index.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';
import { isIchError } from '../../src/core/errors.js';
import type { Batch } from '../../src/core/tensor.js';

const META: TensorCacheMeta = { windows: [...(WINDOW_STACKS['bss'] ?? [])], sigmoid: false, source: 'a/b.dcm', sopInstanceUid: '1.2.3' };

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ichscan-cache-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('round trip: uint8 image and float32 multi-frame batch, metadata kept, no temporary files left', () => {
  withDir((dir) => {
    const u8 = { dtype: 'uint8' as const, data: Uint8Array.from({ length: 5 * 7 * 3 }, (_, i) => i % 256), shape: [5, 7, 3] as const };
    writeTensorCache(join(dir, 'u.ict'), u8, META);
    const a = readTensorCache(join(dir, 'u.ict'));
    assert.deepEqual(a.tensor.shape, [1, 5, 7, 3]);
    assert.equal(a.tensor.dtype, 'uint8');
    assert.deepEqual(Array.from(a.tensor.data), Array.from(u8.data));
    assert.deepEqual(a.meta, META);

    const f32: Batch<'float32'> = { dtype: 'float32', data: Float32Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => i / 7), shape: [2, 4, 4, 3] };
    writeTensorCache(join(dir, 'f.ict'), f32, { ...META, source: 'ünïcode/ß.dcm' }); // odd-length JSON → padding
    const b = readTensorCache(join(dir, 'f.ict'));
    assert.deepEqual(b.tensor.shape, [2, 4, 4, 3]);
    assert.ok(b.tensor.data instanceof Float32Array);
    assert.deepEqual(Array.from(b.tensor.data), Array.from(f32.data));
    assert.equal(b.meta.source, 'ünïcode/ß.dcm');
    assert.deepEqual(readdirSync(dir).sort(), ['f.ict', 'u.ict']);
    // Header fields at their documented offsets (docs/tensor-cache.md).
    const bytes = readFileSync(join(dir, 'f.ict'));
    assert.equal(bytes.toString('latin1', 0, 4), 'ICHT');
    assert.equal(bytes.readUInt16LE(4), 1);
    assert.equal(bytes.readUInt8(6), 2);
    assert.deepEqual([bytes.readUInt32LE(8), bytes.readUInt32LE(12), bytes.readUInt32LE(16), bytes.readUInt32LE(20)], [2, 4, 4, 3]);
    assert.equal(bytes.length % 4, 0);
  });
});

test('corrupted, truncated, foreign and missing files are coded errors naming the file', () => {
  withDir((dir) => {
    const p = join(dir, 'x.ict');
    writeTensorCache(p, { dtype: 'uint8', data: new Uint8Array(4 * 4 * 3).fill(9), shape: [4, 4, 3] }, META);
    const good = readFileSync(p);
    const expectFormat = (bytes: Uint8Array, why: RegExp): void => {
      writeFileSync(p, bytes);
      assert.throws(
        () => readTensorCache(p),
        (e) => isIchError(e, 'ICH_E_CACHE_FORMAT') && e.file === p && why.test(e.message),
      );
    };
    const flipped = Buffer.from(good);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 3) ^ 0x10, flipped.length - 3);
    expectFormat(flipped, /CRC/);
    expectFormat(good.subarray(0, good.length - 1), /truncated/);
    expectFormat(good.subarray(0, 10), /header/);
    expectFormat(Buffer.concat([good, Buffer.from([0])]), /size/);
    const magic = Buffer.from(good);
    magic.write('PNG!', 0, 'latin1');
    expectFormat(magic, /magic/);
    const version = Buffer.from(good);
    version.writeUInt16LE(99, 4);
    expectFormat(version, /version 99/);
    const json = Buffer.from(good);
    json[33] = 0x7b; // break the JSON
    json[32] = 0x5d;
    expectFormat(json, /./);
    assert.throws(() => readTensorCache(join(dir, 'none.ict')), (e) => isIchError(e, 'ICH_E_FILE_NOT_FOUND'));
  });
});
