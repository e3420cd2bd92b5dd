import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowHu, createWindowFunction } from '../../src/preprocess/index.js';
import { WINDOW_PRESETS, WINDOW_STACKS, parseWindow } from '../../src/core/windows.js';
import { isIchError } from '../../src/core/errors.js';

test('brain window 40/80: HU 0 → 0, 40 → 0.5, 80 → 1, clamped outside', () => {
  const hu = Float32Array.from([-1000, 0, 20, 40, 60, 80, 3000]);
  const img = windowHu(hu, 1, hu.length, [WINDOW_PRESETS.brain]);
  assert.deepEqual(img.shape, [1, 7, 1]);
  assert.deepEqual(Array.from(img.data), [0, 0, 0.25, 0.5, 0.75, 1, 1]);
});

test('subdural, soft, bone and custom windows: the ends of each window', () => {
  // (L − W/2, L, L + W/2) → (0, 0.5, 1) for every preset; values computed from the definition.
  for (const w of [WINDOW_PRESETS.subdural, WINDOW_PRESETS.soft, WINDOW_PRESETS.bone, parseWindow('-600,1500')]) {
    const f = createWindowFunction(w);
    assert.equal(f(w.level - w.width / 2), 0, w.name);
    assert.equal(f(w.level), 0.5, w.name);
    assert.equal(f(w.level + w.width / 2), 1, w.name);
    assert.equal(f(w.level - w.width), 0, w.name);
  }
});

test('bss stack: HWC layout, one channel per window in order', () => {
  const hu = Float32Array.from([0, 80, -150, 230]);
  const img = windowHu(hu, 2, 2, WINDOW_STACKS['bss'] ?? []);
  assert.deepEqual(img.shape, [2, 2, 3]);
  // pixel 0 (HU 0): brain 0, subdural (0+20)/200 = 0.1, soft (0+150)/380
  assert.ok(Math.abs((img.data[0] as number) - 0) < 1e-7);
  assert.ok(Math.abs((img.data[1] as number) - 0.1) < 1e-7);
  assert.ok(Math.abs((img.data[2] as number) - 150 / 380) < 1e-7);
  // pixel 1 (HU 80): brain 1, subdural 0.5, soft 230/380
  assert.deepEqual([img.data[3], img.data[4]], [1, 0.5]);
  assert.ok(Math.abs((img.data[5] as number) - 230 / 380) < 1e-7);
  // pixel 2 (HU −150): soft 0; pixel 3 (HU 230): soft 1
  assert.equal(img.data[8], 0);
  assert.equal(img.data[11], 1);
});

test('sigmoid window: 0.5 at the level, 1/255 and 254/255 at the linear window ends, monotone', () => {
  const f = createWindowFunction(WINDOW_PRESETS.brain, { sigmoid: true });
  assert.ok(Math.abs(f(40) - 0.5) < 1e-12);
  assert.ok(Math.abs(f(0) - 1 / 255) < 1e-12);
  assert.ok(Math.abs(f(80) - 254 / 255) < 1e-12);
  let prev = -1;
  for (let hu = -1100; hu <= 1100; hu += 10) {
    const v = f(hu);
    assert.ok(v > prev || (v === prev && (v === 0 || v === 1)), `monotone at ${hu}`);
    assert.ok(v >= 0 && v <= 1);
    prev = v;
  }
  const img = windowHu(Float32Array.from([40]), 1, 1, [WINDOW_PRESETS.brain], { sigmoid: true });
  assert.ok(Math.abs((img.data[0] as number) - 0.5) < 1e-7);
});

test('invalid windows are coded errors', () => {
  assert.throws(() => windowHu(new Float32Array(4), 2, 2, []), (e) => isIchError(e, 'ICH_E_BAD_WINDOW'));
  assert.throws(() => createWindowFunction({ name: 'x', level: 0, width: 0 }), (e) => isIchError(e, 'ICH_E_BAD_WINDOW'));
});
