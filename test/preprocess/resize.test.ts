import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeImage } from '../../src/preprocess/index.js';
import type { Image } from '../../src/core/tensor.js';

function img(h: number, w: number, c: number, values: number[]): Image<'float32'> {
  return { dtype: 'float32', data: Float32Array.from(values), shape: [h, w, c] };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('a constant image stays constant, shrinking, enlarging and at non-integer factors', () => {
  for (const [h, w, size] of [[8, 8, 4], [9, 7, 4], [5, 5, 12], [512, 512, 256], [10, 10, 3]] as const) {
    const f = resizeImage(img(h, w, 2, new Array<number>(h * w * 2).fill(0.37)), size);
    assert.deepEqual(f.shape, [size, size, 2]);
    for (const v of f.data) assert.ok(Math.abs(v - 0.37) < 1e-6, `${h}×${w}→${size}: ${v}`);
    const u = resizeImage<'uint8'>({ dtype: 'uint8', data: new Uint8Array(h * w).fill(201), shape: [h, w, 1] }, size);
    assert.ok(u.data.every((v) => v === 201), `uint8 ${h}×${w}→${size}`);
  }
});

test('integer shrink is the exact k×k box mean', () => {
  // 4×4 → 2×2: means of the four 2×2 blocks.
  const src = img(4, 4, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  assert.deepEqual(Array.from(resizeImage(src, 2).data), [3.5, 5.5, 11.5, 13.5]);
  // 6×6 → 2×2 (k = 3): each output is the mean of a 3×3 block.
  const v = Array.from({ length: 36 }, (_, i) => (i * 37) % 11);
  const out = resizeImage(img(6, 6, 1, v), 2).data;
  for (let by = 0; by < 2; by++) {
    for (let bx = 0; bx < 2; bx++) {
      let s = 0;
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) s += v[(by * 3 + y) * 6 + bx * 3 + x] as number;
      assert.ok(Math.abs((out[by * 2 + bx] as number) - s / 9) < 1e-6);
    }
  }
});

test('channels are resampled independently', () => {
  const src = img(2, 2, 2, [0, 100, 1, 100, 2, 100, 3, 100]);
  assert.deepEqual(Array.from(resizeImage(src, 1).data), [1.5, 100]);
});

// Golden values: OpenCV 4.6.0 (Debian python3-opencv), cv2.resize on the float32 array
// a = (np.arange(15).reshape(3, 5) * 7) % 11, INTER_AREA to 3×2 and INTER_LINEAR to 7×4.
const A = [0, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0, 7, 3, 10];
test('non-integer shrink equals OpenCV INTER_AREA (cv2 4.6.0 golden)', () => {
  const out = resizeImage(img(3, 5, 1, A), [2, 3]);
  assertClose(out.data, [3.4666666984558105, 5.133333206176758, 6.8000006675720215, 3.200000286102295, 4.866666793823242, 6.533333778381348], 1e-5, 'area');
});

test('enlarging equals OpenCV INTER_LINEAR (cv2 4.6.0 golden)', () => {
  const out = resizeImage(img(3, 5, 1, A), [4, 7]);
  assertClose(
    out.data,
    [
      0.0, 4.0, 5.857142925262451, 3.0, 7.999999046325684, 8.285714149475098, 6.0, 1.25, 5.25, 7.107142448425293, 4.25, 4.339285373687744, 5.607142925262451,
      7.25, 2.75, 4.392857551574707, 5.660714149475098, 5.75, 2.892857551574707, 4.75, 8.75, 4.0, 1.7142856121063232, 1.9999998807907104, 7.0,
      4.142857551574707, 6.0, 10.0,
    ],
    1e-5,
    'linear',
  );
});

test('uint8 resize rounds half up and never wraps', () => {
  const u = resizeImage<'uint8'>({ dtype: 'uint8', data: Uint8Array.from([255, 255, 254, 255]), shape: [2, 2, 1] }, 1);
  assert.deepEqual(Array.from(u.data), [255]); // mean 254.75
  const v = resizeImage<'uint8'>({ dtype: 'uint8', data: Uint8Array.from([0, 1, 0, 1]), shape: [2, 2, 1] }, 1);
  assert.deepEqual(Array.from(v.data), [1]); // mean 0.5 → 1
});

test('same size returns the input; bad sizes are usage errors', () => {
  const src = img(2, 2, 1, [1, 2, 3, 4]);
  assert.equal(resizeImage(src, 2), src);
  assert.throws(() => resizeImage(src, 0), /ICH_E_USAGE|Invalid command-line usage/);
  assert.throws(() => resizeImage(src, 2.5));
});
