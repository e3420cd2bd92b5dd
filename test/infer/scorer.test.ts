/** 2.5D context stacking and flips, checked on tiny hand-made images. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Image } from '../../src/core/tensor.js';
import { buildContextBatch, neighbourIndex, neighbourTable, stackEmbeddings } from '../../src/model/features/slice-context.js';

/** 1×2 images with 2 channels whose values encode (slice, x, channel). */
function slices(n: number): Image<'uint8'>[] {
  return Array.from({ length: n }, (_, s) => ({ dtype: 'uint8' as const, data: Uint8Array.from([s * 10 + 0, s * 10 + 1, s * 10 + 2, s * 10 + 3]), shape: [1, 2, 2] as const }));
}

test('context channels are [prev windows, cur windows, next windows]; edges repeat; values /255', () => {
  const b = buildContextBatch(slices(3), [0, 2], 1, false);
  assert.deepEqual(b.shape, [2, 1, 2, 6]);
  const v = [...b.data].map((x) => Math.round(x * 255));
  // slice 0: prev = 0 (edge), cur = 0, next = 1; pixel x=0 has channels (s*10+0, s*10+1)
  assert.deepEqual(v.slice(0, 6), [0, 1, 0, 1, 10, 11]);
  assert.deepEqual(v.slice(6, 12), [2, 3, 2, 3, 12, 13]);
  // slice 2: prev 1, cur 2, next = 2 (edge)
  assert.deepEqual(v.slice(12, 18), [10, 11, 20, 21, 20, 21]);
  assert.equal(neighbourIndex(0, -1, 5), 0);
  assert.equal(neighbourIndex(4, 1, 5), 4);
});

test('flip mirrors x and keeps channels', () => {
  const b = buildContextBatch(slices(1), [0], 0, true);
  assert.deepEqual([...b.data].map((x) => Math.round(x * 255)), [2, 3, 0, 1]);
});

test('every byte becomes exactly the float32 of v / 255 (the model saw these values in training)', () => {
  const img: Image<'uint8'> = { dtype: 'uint8', data: Uint8Array.from({ length: 256 }, (_, v) => v), shape: [1, 256, 1] };
  const b = buildContextBatch([img], [0], 0, false);
  for (let v = 0; v < 256; v++) assert.equal(b.data[v], Math.fround(v / 255), `byte ${v}`);
});

test('stackEmbeddings concatenates neighbours s-1, s, s+1', () => {
  const emb = Float32Array.from([1, 2, 3, 4, 5, 6]); // 3 slices × 2 features
  const t = stackEmbeddings(emb, 3, 2, 1, [0, 1]);
  assert.deepEqual(t.shape, [2, 6]);
  assert.deepEqual([...t.data], [1, 2, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6]);
});

test('neighbourTable: index-based for 5 mm series, nearest z at ±spacing for thin ones', () => {
  const five = [0, 5, 10, 15].map((z) => z as number | null);
  assert.deepEqual([...neighbourTable(4, 1, five, 5)], [0, 0, 1, 0, 1, 2, 1, 2, 3, 2, 3, 3]);
  const thin = Array.from({ length: 17 }, (_, i) => i * 0.625);
  const t = neighbourTable(17, 1, thin, 5);
  // slice 8 (z 5.0) takes z 0.0 (slice 0) and z 10.0 (slice 16)
  assert.deepEqual([...t.slice(8 * 3, 8 * 3 + 3)], [0, 8, 16]);
  // slice 2 (z 1.25): below the series start the nearest is slice 0; above, z 6.25 is slice 10
  assert.deepEqual([...t.slice(2 * 3, 2 * 3 + 3)], [0, 2, 10]);
  // without z or spacing: by index
  assert.deepEqual([...neighbourTable(3, 1)], [0, 0, 1, 0, 1, 2, 1, 2, 2]);
  assert.deepEqual([...neighbourTable(3, 1, [0, null, 1], 5)], [0, 0, 1, 0, 1, 2, 1, 2, 2]);
});
