import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.js';
import { HEMORRHAGE_SUBTYPES } from '../../src/core/subtypes.js';
import { drawHeadParams } from '../../src/synth/head-params.js';
import { renderAnatomy, sutureAngles } from '../../src/synth/anatomy.js';
import type { HeadNoises, SliceGrid } from '../../src/synth/anatomy.js';
import { createValueNoise } from '../../src/synth/noise.js';
import { drawBleed, paintBleeds, SUBTYPE_BIT } from '../../src/synth/hemorrhage.js';
import type { Bleed } from '../../src/synth/hemorrhage.js';
import { REGION, isParenchyma } from '../../src/synth/regions.js';

const GRID: SliceGrid = { size: 160, spacing: 1.44, originX: -114.48, originY: -114.48 };

function makeHead(seed: number): { head: ReturnType<typeof drawHeadParams>; noises: HeadNoises } {
  const head = drawHeadParams(createRng(seed), 150);
  const noises = { gyri: createValueNoise(head.noiseSeeds.gyri), texture: createValueNoise(head.noiseSeeds.texture), bone: createValueNoise(head.noiseSeeds.bone) };
  return { head, noises };
}

test('tissue densities at a mid-brain level fall in the ranges the issue names (before scanner noise)', () => {
  for (const seed of [1, 2, 3]) {
    const { head, noises } = makeHead(seed);
    const f = renderAnatomy(head, noises, GRID, head.height * 0.5);
    const stats = new Map<number, { sum: number; n: number; min: number; max: number }>();
    f.region.forEach((r, k) => {
      const s = stats.get(r) ?? { sum: 0, n: 0, min: Infinity, max: -Infinity };
      const h = f.hu[k] as number;
      s.sum += h;
      s.n++;
      s.min = Math.min(s.min, h);
      s.max = Math.max(s.max, h);
      stats.set(r, s);
    });
    const mean = (r: number): number => {
      const s = stats.get(r);
      assert.ok(s && s.n > 20, `region ${r} present (seed ${seed})`);
      return s.sum / s.n;
    };
    const gray = mean(REGION.GRAY), white = mean(REGION.WHITE), csf = mean(REGION.VENTRICLE);
    assert.ok(gray > 33 && gray < 47, `grey ${gray}`);
    assert.ok(white > 20 && white < 32, `white ${white}`);
    assert.ok(gray - white > 5, 'grey is denser than white');
    assert.ok(csf >= 0 && csf <= 15, `CSF ${csf}`);
    const bone = stats.get(REGION.BONE);
    assert.ok(bone && bone.max > 1000 && bone.max < 2100, `cortical bone max ${bone?.max}`);
    assert.equal(f.hu[0], -1000, 'air in the corner');
  }
});

test('each subtype paints where its anatomy allows: lens within sutures, crescent on one side, IPH in brain, IVH in ventricles below a fluid level, SAH in CSF', () => {
  const found = new Set<string>();
  for (let seed = 0; seed < 60 && found.size < 5; seed++) {
    const { head, noises } = makeHead(seed);
    const rng = createRng(seed + 1000);
    const subtype = HEMORRHAGE_SUBTYPES[seed % 5] as (typeof HEMORRHAGE_SUBTYPES)[number];
    const b: Bleed = drawBleed(rng, head, subtype);
    const z = 'zCenter' in b ? b.zCenter : (b.zMin + b.zMax) / 2;
    const f = renderAnatomy(head, noises, GRID, z);
    const region = Uint8Array.from(f.region);
    const mask = new Uint8Array(GRID.size * GRID.size);
    paintBleeds([b], f, head, mask);
    const bit = SUBTYPE_BIT[subtype];
    let pixels = 0;
    mask.forEach((m, k) => {
      if (m === 0) return;
      assert.equal(m, bit, 'only this subtype\'s bit');
      pixels++;
      const r = region[k] as number;
      const theta = f.theta[k] as number;
      if (b.subtype === 'intraparenchymal') assert.ok(isParenchyma(r) || r === REGION.CSF, 'IPH in parenchyma (and the sulci it fills)');
      if (b.subtype === 'intraventricular') {
        assert.equal(r, REGION.VENTRICLE);
        const posterior = Math.sin(head.rotation) * (f.u[k] as number) + Math.cos(head.rotation) * (f.v[k] as number);
        assert.ok(posterior > b.level, 'dependent layering: blood only behind the fluid level');
      }
      if (b.subtype === 'subarachnoid') assert.equal(r, REGION.CSF);
      if (b.subtype === 'epidural' || b.subtype === 'subdural') {
        assert.equal(Math.sign(Math.sin(theta)), Math.sign(Math.sin(b.theta)), 'does not cross the midline');
        assert.ok((f.depth[k] as number) < b.maxThickness * 1.2, 'against the inner table');
      }
      if (b.subtype === 'epidural') {
        for (const s of sutureAngles((f.z[k] as number) / head.height)) {
          const between = (x: number): number => Math.atan2(Math.sin(x - b.theta), Math.cos(x - b.theta));
          const ds = between(s), dp = between(theta);
          assert.ok(!(Math.sign(ds) === Math.sign(dp) && Math.abs(ds) < Math.abs(dp)), 'epidural stops at sutures');
        }
      }
      const hu = f.hu[k] as number;
      assert.ok(hu > (b.subtype === 'subdural' ? 0 : 25) && hu < 110, `blood HU ${hu} (chronic subdurals are hypodense)`);
    });
    if (pixels > 0) found.add(subtype);
  }
  assert.deepEqual([...found].sort(), [...HEMORRHAGE_SUBTYPES].sort(), 'every subtype was painted in some head');
});
