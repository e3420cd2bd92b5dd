/**
 * A drawn bss slice for cavity tests: air, a skull ring (bone 1500 HU) of inner radius 0.3125·n and
 * outer 0.375·n (20–24 px at n = 64) around brain at `brainHu`, windowed like preprocessing does;
 * `gapRows` > 0 opens the ring on the right over that many rows each side of the centre; `scalpHu`
 * draws a scalp from 0.375·n to 0.47·n at that density (none by default).
 */
import type { Image } from '../../src/core/tensor.js';
import { WINDOW_STACKS } from '../../src/core/windows.js';

export function drawSkullSlice(n = 64, gapRows = 0, brainHu = 30, scalpHu?: number): Image<'uint8'> {
  const windows = WINDOW_STACKS['bss'] ?? [];
  const data = new Uint8Array(n * n * 3);
  const c = n / 2;
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const r = Math.hypot(y - c, x - c);
      const open = gapRows > 0 && x > c && Math.abs(y - c) < gapRows;
      const hu = r < 0.3125 * n ? brainHu : r < 0.375 * n ? (open ? -1000 : 1500) : scalpHu !== undefined && r < 0.47 * n ? scalpHu : -1000;
      windows.forEach((w, k) => (data[(y * n + x) * 3 + k] = Math.round(255 * Math.min(1, Math.max(0, (hu - (w.level - w.width / 2)) / w.width)))));
    }
  return { dtype: 'uint8', data, shape: [n, n, 3] };
}
