/** The run-length erosion equals the windowed-minimum definition (square element, outside = 0) on random masks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erode } from '../../../src/model/features/cavity.js';
import { createRng } from '../../../src/core/random.js';

function erodeNaive(m: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = 1;
      for (let dy = -r; dy <= r && v; dy++)
        for (let dx = -r; dx <= r && v; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          v = yy >= 0 && yy < h && xx >= 0 && xx < w ? (m[yy * w + xx] as number) : 0;
        }
      out[y * w + x] = v;
    }
  return out;
}

test('erode = square-window minimum with zeros outside, for r = 0..4', () => {
  const rng = createRng(5);
  for (const [w, h, p] of [[17, 11, 0.9], [32, 32, 0.97], [5, 40, 0.8]] as const) {
    const m = Uint8Array.from({ length: w * h }, () => (rng.next() < p ? 1 : 0));
    for (let r = 0; r <= 4; r++) assert.deepEqual(erode(m, w, h, r), erodeNaive(m, w, h, r), `${w}×${h} r=${r}`);
  }
});
