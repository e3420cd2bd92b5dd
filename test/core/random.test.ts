import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, shuffleInPlace } from '../../src/core/random.js';

test('same seed gives the same sequence, different seeds differ', () => {
  const a = createRng(42), b = createRng(42), c = createRng(43);
  const sa = Array.from({ length: 5 }, () => a.next());
  const sb = Array.from({ length: 5 }, () => b.next());
  const sc = Array.from({ length: 5 }, () => c.next());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test('state round-trips (checkpoint resume continues the same stream)', () => {
  const a = createRng(7);
  a.next(); a.next();
  const b = createRng(0, a.state());
  assert.equal(a.next(), b.next());
});

test('uniform, int and normal have the expected moments', () => {
  const r = createRng(1);
  let s = 0, s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) { const v = r.normal(); s += v; s2 += v * v; }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
  for (let i = 0; i < 1000; i++) { const k = r.int(2, 4); assert.ok(k >= 2 && k <= 4 && Number.isInteger(k)); }
});

test('shuffle is a permutation and seeded', () => {
  const x = shuffleInPlace([...Array(50).keys()], createRng(3));
  assert.deepEqual([...x].sort((p, q) => p - q), [...Array(50).keys()]);
  assert.deepEqual(x, shuffleInPlace([...Array(50).keys()], createRng(3)));
});
