import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveImageId, derivePatientId, deriveUid, mixSeed } from '../../src/synth/ids.js';
import { isImageId } from '../../src/core/ids.js';

test('image ids look like RSNA ids, are unique over many studies, and depend only on (seed, study, slice)', () => {
  const seen = new Set<string>();
  for (let s = 0; s < 400; s++) {
    for (let k = 0; k < 60; k++) {
      const id = deriveImageId(11, s, k);
      assert.match(id, /^ID_[0-9a-f]{9}$/);
      assert.ok(isImageId(id));
      seen.add(id);
    }
  }
  assert.equal(seen.size, 400 * 60, 'the keyed permutation never collides');
  assert.equal(deriveImageId(11, 5, 3), deriveImageId(11, 5, 3));
  assert.notEqual(deriveImageId(11, 5, 3), deriveImageId(12, 5, 3), 'another seed gives other ids');
  assert.throws(() => deriveImageId(1, -1, 0), RangeError);
  assert.throws(() => deriveImageId(1, 0, 256), RangeError);
});

test('UIDs are 2.25 decimal UIDs of at most 64 characters, distinct per kind and index', () => {
  const uids = new Set<string>();
  for (let i = 0; i < 200; i++) {
    for (const kind of ['study', 'series', 'sop']) {
      const uid = deriveUid(3, kind, i);
      assert.match(uid, /^2\.25\.[1-9][0-9]*$/);
      assert.ok(uid.length <= 64);
      uids.add(uid);
    }
  }
  assert.equal(uids.size, 600);
  assert.match(derivePatientId(3, 9), /^ID_[0-9a-f]{9}$/);
  assert.notEqual(mixSeed(1, 2, 3), mixSeed(1, 3, 2), 'mixSeed is order-sensitive');
});
