/**
 * The fused fast path against the slow reference path built from the public pieces
 * (src/dicom computeHu → windowHu → resizeImage → round(255·v)), on synthetic phantoms of every raw
 * kind and on real rsna-dev slices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeHu, decodeDicomSync, type DecodedDicom } from '../../src/dicom/index.js';
import { preprocessDecoded, quantizeToUint8, resizeImage, windowHu, type PreprocessOptions } from '../../src/preprocess/index.js';
import type { Image } from '../../src/core/tensor.js';
import { WINDOW_PRESETS, WINDOW_STACKS, parseWindow } from '../../src/core/windows.js';
import { isIchError } from '../../src/core/errors.js';
import { requireSharedData, rsnaDevImagesDir } from '../helpers/shared-data.js';
import { fillHeadPhantom, makeDecoded } from './synthetic-dicom.js';

const BSS = WINDOW_STACKS['bss'] ?? [];

/** The reference: every step separately, with the public functions. */
function referencePath(d: DecodedDicom, o: PreprocessOptions, frame = 0): Image<'float32'> | Image<'uint8'> {
  const { rows, columns } = d.raw;
  const all = computeHu(d.raw, d.meta, { rsna12BitFix: o.rsna12BitFix ?? true, padToAir: o.padToAir ?? true });
  const hu = all.slice(frame * rows * columns, (frame + 1) * rows * columns);
  const scale = o.huScale ?? 1;
  const offset = o.huOffset ?? 0;
  if (scale !== 1 || offset !== 0) for (let i = 0; i < hu.length; i++) hu[i] = scale * (hu[i] as number) + offset;
  const f = resizeImage(windowHu(hu, rows, columns, o.windows, { sigmoid: o.sigmoid ?? false }), o.size);
  return o.dtype === 'uint8' ? quantizeToUint8(f) : f;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function assertFusedMatchesReference(d: DecodedDicom, o: PreprocessOptions, what: string, frame = 0): void {
  const fused = preprocessDecoded(d, o, frame);
  const ref = referencePath(d, o, frame);
  assert.deepEqual(fused.shape, ref.shape, what);
  assert.equal(fused.dtype, o.dtype);
  // uint8: at most one grey level (fixed-point rounding at ties); float32: float rounding only.
  const tol = o.dtype === 'uint8' ? 1 : 1e-5;
  const diff = maxAbsDiff(fused.data, ref.data);
  assert.ok(diff <= tol, `${what}: max |fused − reference| = ${diff}`);
}

const SIZES = [64, 32, 50, 200] as const; // 128 → 2×, 4×, non-integer shrink, enlarge

test('fused path equals the reference path: int16 phantom, all sizes, both dtypes, bss and sigmoid', () => {
  const d = makeDecoded({ rows: 128, cols: 128, data: fillHeadPhantom(new Int16Array(128 * 128), 128, 128, 1) });
  for (const size of SIZES) {
    for (const dtype of ['uint8', 'float32'] as const) {
      assertFusedMatchesReference(d, { size, windows: BSS, dtype }, `int16 ${size} ${dtype}`);
      assertFusedMatchesReference(d, { size, windows: [WINDOW_PRESETS.bone], dtype, sigmoid: true }, `int16 sigmoid ${size} ${dtype}`);
      assertFusedMatchesReference(d, { size, windows: [WINDOW_PRESETS.brain, WINDOW_PRESETS.bone], dtype }, `int16 2 windows ${size} ${dtype}`);
    }
  }
});

test('fused path equals the reference path: uint16, uint8, int32 raw, 4 windows, non-square', () => {
  const u16 = makeDecoded({ rows: 96, cols: 128, data: fillHeadPhantom(new Uint16Array(96 * 128), 96, 128, 2) });
  const i32 = makeDecoded({ rows: 96, cols: 128, data: fillHeadPhantom(new Int32Array(96 * 128), 96, 128, 3) });
  const u8 = makeDecoded({ rows: 64, cols: 64, data: Uint8Array.from({ length: 64 * 64 }, (_, i) => (i * 31) % 256), slope: 4, intercept: -600 });
  const four = [...BSS, WINDOW_PRESETS.bone];
  for (const d of [u16, i32, u8]) {
    for (const size of [[48, 64], [32, 32], [40, 50]] as const) {
      for (const dtype of ['uint8', 'float32'] as const) {
        assertFusedMatchesReference(d, { size, windows: BSS, dtype }, `${d.raw.data.constructor.name} ${size.join('×')} ${dtype}`);
        assertFusedMatchesReference(d, { size, windows: four, dtype }, `${d.raw.data.constructor.name} 4 windows ${size.join('×')} ${dtype}`);
      }
    }
  }
});

test('RSNA 12-bit fix, padding → air and its opt-outs are the same steps as src/dicom', () => {
  // Stored 12-bit unsigned with intercept > −100: the fix wraps raw + 1000 at 4096.
  const data = Uint16Array.from({ length: 64 * 64 }, (_, i) => (i * 53) % 4096);
  const d = makeDecoded({ rows: 64, cols: 64, data, intercept: 0, needsRsna12BitFix: true });
  const lung = parseWindow('-600,1500'); // starts at −1350 HU: sees the padding step
  for (const rsna12BitFix of [true, false]) {
    for (const padToAir of [true, false]) {
      for (const dtype of ['uint8', 'float32'] as const) {
        assertFusedMatchesReference(d, { size: 32, windows: [...BSS, lung], dtype, rsna12BitFix, padToAir }, `fix=${rsna12BitFix} pad=${padToAir} ${dtype}`);
      }
    }
  }
  // The fix is really applied: stored 3500 → raw 404 → −596 HU with it, 3500 HU without.
  const one = makeDecoded({ rows: 2, cols: 2, data: new Uint16Array(4).fill(3500), intercept: 0, needsRsna12BitFix: true });
  const fixed = preprocessDecoded(one, { size: 2, windows: [parseWindow('-600,100')], dtype: 'float32' });
  const unfixed = preprocessDecoded(one, { size: 2, windows: [parseWindow('-600,100')], dtype: 'float32', rsna12BitFix: false });
  assert.ok(Math.abs((fixed.data[0] as number) - 0.54) < 1e-6); // (−596 − (−650)) / 100
  assert.equal(unfixed.data[0], 1);
});

test('HU jitter acts on HU before the windows: offset +40 equals stored values +40', () => {
  const base = fillHeadPhantom(new Int16Array(64 * 64), 64, 64, 5);
  const shifted = base.map((v) => (v === -2000 ? v : v + 40));
  const a = preprocessDecoded(makeDecoded({ rows: 64, cols: 64, data: base }), { size: 32, windows: BSS, dtype: 'float32', huOffset: 40 });
  const b = preprocessDecoded(makeDecoded({ rows: 64, cols: 64, data: shifted }), { size: 32, windows: BSS, dtype: 'float32' });
  assert.ok(maxAbsDiff(a.data, b.data) < 1e-6);
  const d = makeDecoded({ rows: 64, cols: 64, data: base });
  assertFusedMatchesReference(d, { size: 32, windows: BSS, dtype: 'uint8', huOffset: -17.5, huScale: 1.08 }, 'jitter uint8');
  assertFusedMatchesReference(d, { size: 32, windows: BSS, dtype: 'float32', huOffset: 12, huScale: 0.93 }, 'jitter float32');
  // Jittered tables are filled only over the slice's raw range and never cached: the same jitter on
  // a slice with a wider range must not read entries left unfilled for the first one.
  const narrow = makeDecoded({ rows: 64, cols: 64, data: new Int16Array(64 * 64).fill(1064) });
  preprocessDecoded(narrow, { size: 32, windows: BSS, dtype: 'uint8', huOffset: 5 });
  assertFusedMatchesReference(d, { size: 32, windows: BSS, dtype: 'uint8', huOffset: 5 }, 'jitter after a narrow-range slice');
});

test('multi-frame files: each frame separately, per-frame rescale honoured', () => {
  const rows = 32;
  const data = new Int16Array(rows * rows * 3);
  for (let f = 0; f < 3; f++) fillHeadPhantom(data, rows, rows, 10 + f, f);
  const d = makeDecoded({ rows, cols: rows, frames: 3, data });
  d.meta.perFrameRescale = [
    { slope: 1, intercept: -1024 },
    { slope: 2, intercept: -2048 },
    { slope: 1, intercept: -1000 },
  ];
  for (let f = 0; f < 3; f++) assertFusedMatchesReference(d, { size: 16, windows: BSS, dtype: 'uint8' }, `frame ${f}`, f);
  const f0 = preprocessDecoded(d, { size: 16, windows: BSS, dtype: 'uint8' }, 0);
  const f1 = preprocessDecoded(d, { size: 16, windows: BSS, dtype: 'uint8' }, 1);
  assert.notDeepEqual(Array.from(f0.data), Array.from(f1.data));
  assert.throws(() => preprocessDecoded(d, { size: 16, windows: BSS, dtype: 'uint8' }, 3), (e) => isIchError(e, 'ICH_E_BAD_DIMENSIONS'));
});

test('uint8 output is round(255 · float32 output), off by at most one level at ties', () => {
  const d = makeDecoded({ rows: 128, cols: 128, data: fillHeadPhantom(new Int16Array(128 * 128), 128, 128, 7) });
  for (const size of [64, 50]) {
    const f = preprocessDecoded(d, { size, windows: BSS, dtype: 'float32' });
    const u = preprocessDecoded(d, { size, windows: BSS, dtype: 'uint8' });
    const q = quantizeToUint8(f);
    let off = 0;
    for (let i = 0; i < q.data.length; i++) if (q.data[i] !== u.data[i]) off++;
    assert.ok(maxAbsDiff(q.data, u.data) <= 1);
    assert.ok(off / q.data.length < 0.01, `${off} of ${q.data.length} values differ`);
  }
});

test('colour images and empty window lists are refused with codes', () => {
  const d = makeDecoded({ rows: 4, cols: 4, data: new Int16Array(16) });
  d.meta.samplesPerPixel = 3;
  assert.throws(() => preprocessDecoded(d, { size: 2, windows: BSS, dtype: 'uint8' }), (e) => isIchError(e, 'ICH_E_UNSUPPORTED_IMAGE') && e.file === 'synthetic.dcm');
  d.meta.samplesPerPixel = 1;
  assert.throws(() => preprocessDecoded(d, { size: 2, windows: [], dtype: 'uint8' }), (e) => isIchError(e, 'ICH_E_BAD_WINDOW'));
});

test('real rsna-dev slices (all three encodings): fused path equals the reference path', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const dir = join(rsnaDevImagesDir(shared), 'images');
  const names = readdirSync(dir).filter((n) => n.endsWith('.dcm')).sort();
  // Every 40th file: about 13 slices across the patients and encodings.
  const seen = new Set<string>();
  for (let i = 0; i < names.length; i += 40) {
    const file = join(dir, names[i] as string);
    const d = decodeDicomSync(readFileSync(file), file);
    seen.add(`${d.raw.data.constructor.name}/${d.meta.bitsStored}`);
    assertFusedMatchesReference(d, { size: 256, windows: BSS, dtype: 'uint8' }, `${names[i]} 256 uint8`);
    assertFusedMatchesReference(d, { size: 256, windows: BSS, dtype: 'float32' }, `${names[i]} 256 float32`);
    assertFusedMatchesReference(d, { size: 224, windows: BSS, dtype: 'float32' }, `${names[i]} 224 float32`);
  }
  assert.ok(seen.size >= 2, `expected several raw encodings, saw ${[...seen].join(', ')}`);
});
