/**
 * The bleed-mask rule on constructed slices: blood-range HU inside the cavity with the map above
 * threshold is marked, at the source resolution; outside the cavity, outside the HU range or under
 * a low map it is not; regions are typed by where they lie; overlays colour exactly the outline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeBleedMask, DEFAULT_BLEED_MASK_PARAMS, dilateMask } from '../../../src/infer/localise/bleed-mask.js';
import { createRng } from '../../../src/core/random.js';
import { computeEdgeDistance, labelRegions } from '../../../src/infer/localise/regions.js';
import { labelComponents } from '../../../src/preprocess/morphology.js';
import { CONTRAST_OVERLAY_WARNING, renderOverlay, SUBTYPE_COLOURS } from '../../../src/infer/localise/overlay.js';
import { GLYPH_HEIGHT } from '../../../src/preprocess/draw.js';
import type { Plane } from '../../../src/core/tensor.js';

const R = 64; // source size
function disc(cx: number, cy: number, r: number, x: number, y: number): boolean {
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** Brain (30 HU) in a disc of radius 26 around the centre, a 60 HU blob of radius 5 at (40, 32), air outside. */
function slice(): Plane {
  const hu = new Float32Array(R * R);
  for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) hu[y * R + x] = disc(32, 32, 26, x, y) ? (disc(40, 32, 5, x, y) ? 60 : 30) : -1000;
  return { data: hu, shape: [R, R] };
}

test('mask = cavity ∧ HU range ∧ map, at source resolution', () => {
  const hu = slice();
  // cavity at half resolution (32 × 32): the brain disc
  const cav = new Uint8Array(32 * 32);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) cav[y * 32 + x] = disc(16, 16, 13, x + 0.5, y + 0.5) ? 1 : 0;
  const mapHot = { data: new Float32Array(16 * 16).fill(0.9), shape: [16, 16] as const };
  const m = computeBleedMask(hu, { mask: cav, w: 32, h: 32 }, mapHot, DEFAULT_BLEED_MASK_PARAMS);
  let n = 0;
  for (let y = 0; y < R; y++)
    for (let x = 0; x < R; x++) {
      const want = disc(40, 32, 5, x, y) ? 1 : 0;
      assert.equal(m[y * R + x], want, `pixel ${x},${y}`);
      n += want;
    }
  assert.ok(n > 60);
  // the map says no blood: nothing
  const mapCold = { data: new Float32Array(16 * 16).fill(0.1), shape: [16, 16] as const };
  assert.equal(computeBleedMask(hu, { mask: cav, w: 32, h: 32 }, mapCold, DEFAULT_BLEED_MASK_PARAMS).reduce((a, b) => a + b, 0), 0);
  // outside the cavity: nothing
  const none = new Uint8Array(32 * 32);
  assert.equal(computeBleedMask(hu, { mask: none, w: 32, h: 32 }, undefined, DEFAULT_BLEED_MASK_PARAMS).reduce((a, b) => a + b, 0), 0);
});

test('regions: components, small ones dropped, a blob in CSF intraventricular, one in brain intraparenchymal, rim crescent subdural', () => {
  const w = 128;
  const cav = new Uint8Array(w * w);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) cav[y * w + x] = disc(64, 64, 60, x, y) ? 1 : 0;
  const edge = computeEdgeDistance(cav, w, w);
  const mask = new Uint8Array(w * w);
  const hu = new Float32Array(w * w).fill(32); // brain
  for (let y = 0; y < w; y++)
    for (let x = 0; x < w; x++) {
      if (disc(64, 64, 10, x, y)) hu[y * w + x] = 8; // a ventricle (CSF)…
      if (disc(64, 64, 6, x, y)) mask[y * w + x] = 1; // …with blood in it
      if (disc(80, 90, 6, x, y)) mask[y * w + x] = 1; // a blob in brain
      const r = Math.hypot(x - 64, y - 64);
      if (r >= 55 && r <= 58 && x < 40) mask[y * w + x] = 1; // thin crescent against the left inner table
      if (x === 100 && y === 64) mask[y * w + x] = 1; // one stray pixel
    }
  assert.equal(labelComponents(mask, w, w, 8).count, 4);
  const labels = labelRegions({ mask, rows: w, columns: w, edgeDistance: edge, cavityW: w, cavityH: w, mmPerCavityPx: 1, pixelAreaMm2: 1, minAreaMm2: 6, hu });
  assert.equal(labels[64 * w + 64], 3, 'blob bordered by CSF → intraventricular');
  assert.equal(labels[90 * w + 80], 2, 'blob bordered by brain → intraparenchymal');
  assert.equal(labels[64 * w + 100], 0, 'stray pixel dropped');
  const crescent = labels[64 * w + 7] as number;
  assert.equal(crescent, 5, 'crescent → subdural');
});

test('overlay: outline in the subtype colour on the region, brain window elsewhere, legend below', () => {
  const hu = slice();
  const labels = new Uint8Array(R * R);
  for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) if (disc(40, 32, 5, x, y)) labels[y * R + x] = 2;
  const img = renderOverlay(hu, labels, { position: 'slice 1/1', anyProbability: 0.5, volumeMl: null, model: 'test' });
  assert.equal(img.shape[1], R);
  assert.ok(img.shape[0] > R, 'legend panel below');
  const px = (x: number, y: number): number[] => [...img.data.subarray((y * R + x) * 3, (y * R + x) * 3 + 3)];
  assert.deepEqual(px(45, 32), [...SUBTYPE_COLOURS.intraparenchymal], 'rightmost region pixel is outline');
  const g = px(20, 20);
  assert.ok(g[0] === g[1] && g[1] === g[2], 'brain stays grey away from the bleed');
  assert.equal(g[0], Math.round(255 * ((30 - 0) / 80)), 'brain window L40 W80: 30 HU → 96');
  // a warning (contrast-enhanced series) adds its lines at the top of the legend, in the banner's yellow; the image is unchanged
  const warned = renderOverlay(hu, labels, { position: 'slice 1/1', anyProbability: 0.5, volumeMl: null, model: 'test', warning: CONTRAST_OVERLAY_WARNING });
  assert.equal(warned.shape[0], img.shape[0] + CONTRAST_OVERLAY_WARNING.length * (GLYPH_HEIGHT + 4));
  assert.deepEqual(warned.data.subarray(0, R * R * 3), img.data.subarray(0, R * R * 3));
  let yellow = 0;
  for (let y = R + 4; y < R + 4 + GLYPH_HEIGHT; y++) for (let x = 0; x < R; x++) if (warned.data[(y * R + x) * 3] === 255 && warned.data[(y * R + x) * 3 + 1] === 210) yellow++;
  assert.ok(yellow > 20, `the first legend line is the warning (${yellow} yellow pixels)`);
  for (const line of CONTRAST_OVERLAY_WARNING) assert.ok(line.length <= 42, `"${line}" fits 256 columns at scale 1 and 512 at scale 2`);
});

test('dilateMask = the square-window maximum (outside the image = 0), r = 0..4', () => {
  const rng = createRng(11);
  for (const [w, h, p] of [[17, 11, 0.05], [32, 32, 0.02], [5, 40, 0.2]] as const) {
    const m = Uint8Array.from({ length: w * h }, () => (rng.next() < p ? 1 : 0));
    for (let r = 0; r <= 4; r++) {
      const want = new Uint8Array(w * h);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let dy = -r; dy <= r; dy++)
            for (let dx = -r; dx <= r; dx++) {
              const yy = y + dy;
              const xx = x + dx;
              if (yy >= 0 && yy < h && xx >= 0 && xx < w && m[yy * w + xx]) want[y * w + x] = 1;
            }
      assert.deepEqual(dilateMask(m, w, h, r), want, `${w}×${h} r=${r}`);
    }
  }
});
