/**
 * Hounsfield units: pydicom's plain definition, the RSNA 12-bit fix (rule from
 * ../shared/data/README.md, expected values worked out by hand from it), padding → air,
 * per-frame rescale from enhanced-CT functional groups, and the MONOCHROME1 policy (HU are never
 * inverted: the rescale defines HU whatever the photometric interpretation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyRsna12BitFix, computeHu, decodeDicomSync, replacePaddingWithAir, type CtMeta, type RawPixels } from '../../src/dicom/index.js';
import { buildDicom, ctElements, sequenceValue } from './helpers/build-dicom.js';
import { requireSharedData } from '../helpers/shared-data.js';

function decodeSynthetic(values: number[], g: Parameters<typeof ctElements>[0], Ctor: typeof Int16Array | typeof Uint16Array = Int16Array) {
  const file = buildDicom({ transferSyntax: '1.2.840.10008.1.2.1', elements: ctElements(g), pixels: { native: new Ctor(values) } });
  return decodeDicomSync(file, 'hu.dcm');
}

test('computeHu is raw * slope + intercept, float32, frame-major', () => {
  const d = decodeSynthetic([-2000, 0, 1024, 3071, 7, -1], { rows: 2, columns: 3, slope: 2.5, intercept: -1000 });
  assert.deepEqual(Array.from(computeHu(d.raw, d.meta)), [-6000, -1000, 1560, 6677.5, -982.5, -1002.5]);
});

test('RSNA 12-bit fix: raw += 1000, raw ≥ 4096 wraps by 4096, intercept −1000 (only when the rule applies)', () => {
  // A wrapped RSNA slice: BitsStored 12, unsigned, intercept 0 (> −100).
  const raw = [0, 100, 3095, 3096, 4095, 2024];
  const d = decodeSynthetic(raw, { rows: 1, columns: 6, bitsStored: 12, pixelRepresentation: 0, intercept: 0 }, Uint16Array);
  assert.equal(d.meta.needsRsna12BitFix, true);
  // By hand: 0→1000→0 HU; 100→1100→100; 3095→4095→3095; 3096→4096→0→−1000; 4095→5095→999→−1; 2024→3024→2024.
  const expected = [0, 100, 3095, -1000, -1, 2024];
  assert.deepEqual(Array.from(computeHu(d.raw, d.meta, { rsna12BitFix: true })), expected);
  assert.deepEqual(Array.from(computeHu(d.raw, d.meta)), raw, 'default = pydicom plain definition');
  const step = applyRsna12BitFix(d.raw, d.meta);
  assert.equal(step.meta.rescaleIntercept, -1000);
  assert.equal(step.meta.needsRsna12BitFix, false);
  assert.deepEqual(Array.from(computeHu(step.raw, step.meta)), expected, 'named step = fused option');
  assert.deepEqual(Array.from(d.raw.data), raw, 'input untouched (it may be a view on the file)');
  // Not applied: intercept −1024, signed data, 16 bits stored, or a non-CT modality.
  for (const g of [
    { intercept: -1024 },
    { pixelRepresentation: 1 as const },
    { bitsStored: 16 },
    { modality: 'MR' },
  ]) {
    const e = decodeSynthetic(raw, { rows: 1, columns: 6, bitsStored: 12, pixelRepresentation: 0, intercept: 0, ...g }, Uint16Array);
    assert.equal(e.meta.needsRsna12BitFix, false, JSON.stringify(g));
    assert.deepEqual(Array.from(computeHu(e.raw, e.meta, { rsna12BitFix: true })), Array.from(computeHu(e.raw, e.meta)));
    assert.equal(applyRsna12BitFix(e.raw, e.meta).raw, e.raw);
  }
});

test('padding → air: every HU below −1024 becomes −1024, nothing else changes', () => {
  const d = decodeSynthetic([-2000, -1000, -476, 0, 1, -1, 1024], { rows: 1, columns: 7, intercept: -1024 });
  const expected = [-1024, -1024, -1024, -1024, -1023, -1024, 0];
  assert.deepEqual(Array.from(computeHu(d.raw, d.meta, { padToAir: true })), expected);
  assert.deepEqual(Array.from(replacePaddingWithAir(computeHu(d.raw, d.meta))), expected);
  assert.deepEqual(Array.from(computeHu(d.raw, d.meta)), [-3024, -2024, -1500, -1024, -1023, -1025, 0]);
});

test('enhanced CT: rescale from shared functional groups, per-frame values when they differ', () => {
  const pixelValueTransform = (slope: number, intercept: number) => ({
    tag: 0x00289145,
    vr: 'SQ',
    value: sequenceValue([
      [
        { tag: 0x00281052, vr: 'DS', value: String(intercept) },
        { tag: 0x00281053, vr: 'DS', value: String(slope) },
      ],
    ]),
  });
  const base = ctElements({ rows: 1, columns: 2, frames: 2 }).filter((e) => e.tag !== 0x00281052 && e.tag !== 0x00281053);
  const samples = new Int16Array([10, 20, 10, 20]);
  const shared = buildDicom({
    transferSyntax: '1.2.840.10008.1.2.1',
    elements: [...base, { tag: 0x52009229, vr: 'SQ', value: sequenceValue([[pixelValueTransform(2, -100)]]) }],
    pixels: { native: samples },
  });
  const s = decodeDicomSync(shared, 'shared.dcm');
  assert.equal(s.meta.rescaleSource, 'shared-functional-groups');
  assert.deepEqual(Array.from(computeHu(s.raw, s.meta)), [-80, -60, -80, -60]);
  const perFrame = buildDicom({
    transferSyntax: '1.2.840.10008.1.2.1',
    elements: [...base, { tag: 0x52009230, vr: 'SQ', value: sequenceValue([[pixelValueTransform(1, -1024)], [pixelValueTransform(1, -1000)]]) }],
    pixels: { native: samples },
  });
  const p = decodeDicomSync(perFrame, 'perframe.dcm');
  assert.equal(p.meta.rescaleSource, 'per-frame-functional-groups');
  assert.deepEqual(Array.from(computeHu(p.raw, p.meta)), [-1014, -1004, -990, -980]);
  const noRescale = buildDicom({ transferSyntax: '1.2.840.10008.1.2.1', elements: base, pixels: { native: samples } });
  const n = decodeDicomSync(noRescale, 'none.dcm');
  assert.equal(n.meta.rescaleSource, 'default');
  assert.deepEqual(Array.from(computeHu(n.raw, n.meta)), [10, 20, 10, 20]);
});

test('MONOCHROME1: stored values and HU are not inverted; the photometric interpretation is reported', (t) => {
  const d = decodeSynthetic([0, 100, 4095], { rows: 1, columns: 3, photometric: 'MONOCHROME1', intercept: -1024 });
  assert.equal(d.meta.photometricInterpretation, 'MONOCHROME1');
  assert.deepEqual(Array.from(computeHu(d.raw, d.meta)), [-1024, -924, 3071]);
  const shared = requireSharedData(t);
  if (!shared) return;
  // A real MONOCHROME1 CR image (pydicom test data): HU = raw * 0.684 + 200, no inversion.
  const path = join(shared, 'dicom-corpus/debian-python3-pydicom/dicomdirtests/77654033/CR1/6154');
  const cr = decodeDicomSync(readFileSync(path), path);
  assert.equal(cr.meta.photometricInterpretation, 'MONOCHROME1');
  assert.equal(cr.meta.rescaleSlope, 0.684);
  const hu = computeHu(cr.raw, cr.meta);
  const n = cr.raw.data.length;
  for (const i of [0, Math.floor(n / 3), Math.floor(n / 2), n - 1]) assert.equal(hu[i], Math.fround(cr.raw.data[i]! * 0.684 + 200));
});

test('computeHu leaves float32 rounding only: exact for integer slope/intercept over the int16 range', () => {
  const values = Array.from({ length: 65536 }, (_, i) => i - 32768);
  const raw: RawPixels = { data: new Int16Array(values), rows: 256, columns: 256, frames: 1 };
  const meta = decodeSynthetic([0], { rows: 1, columns: 1 }).meta;
  const m: CtMeta = { ...meta, rows: 256, columns: 256, rescaleIntercept: -1024, rescaleSlope: 1 };
  const hu = computeHu(raw, m);
  for (let i = 0; i < values.length; i++) if (hu[i] !== values[i]! - 1024) assert.fail(`index ${i}`);
});
