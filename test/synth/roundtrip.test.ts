import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDicom, computeHu } from '../../src/dicom/index.js';
import { planStudy, renderStudySlice } from '../../src/synth/index.js';
import type { PixelEncoding, StudyPlan } from '../../src/synth/index.js';

/** The first study (seed 21) of each pixel encoding, searching study indices in order. */
function plansPerEncoding(): Map<PixelEncoding, StudyPlan> {
  const found = new Map<PixelEncoding, StudyPlan>();
  for (let i = 0; i < 200 && found.size < 3; i++) {
    const plan = planStudy(21, i, { slicesPerStudy: [6, 6], size: 96, prevalence: 0.5 });
    if (!found.has(plan.encoding)) found.set(plan.encoding, plan);
  }
  return found;
}

test('every encoding round-trips through ichscan\'s DICOM reader to the HU that was written', async () => {
  const plans = plansPerEncoding();
  assert.deepEqual([...plans.keys()].sort(), ['int16', 'uint12', 'uint12-rsna-wrapped']);
  for (const [encoding, plan] of plans) {
    for (const k of [0, 3]) {
      const slice = renderStudySlice(plan, k);
      const decoded = await decodeDicom(new Uint8Array(slice.dicom), `${slice.imageId}.dcm`);
      const m = decoded.meta;
      assert.equal(m.rows, 96);
      assert.equal(m.sopInstanceUid, plan.sopInstanceUids[k]);
      assert.equal(m.studyInstanceUid, plan.uids.studyInstanceUid);
      assert.equal(m.modality, 'CT');
      assert.equal(m.rescaleSlope, 1);
      assert.equal(m.rescaleIntercept, plan.rescaleIntercept);
      assert.equal(m.imagePositionPatient?.[2], plan.patientZ[k]);
      assert.equal(m.pixelSpacing?.[0], plan.spacing);
      assert.equal(m.sliceThickness, 5);
      assert.equal(m.bitsStored, encoding === 'int16' ? 16 : 12);
      assert.equal(m.pixelRepresentation, encoding === 'int16' ? 1 : 0);
      assert.equal(m.needsRsna12BitFix, encoding === 'uint12-rsna-wrapped', `${encoding}: fix flag`);
      const hu = computeHu(decoded.raw, m, { rsna12BitFix: true });
      assert.deepEqual(hu, slice.expectedHu, `${encoding}: HU after the reader equal the HU written`);
      if (encoding === 'uint12-rsna-wrapped') {
        // Without the fix, air reads as ~3096 HU: the broken RSNA files' symptom.
        const plain = computeHu(decoded.raw, m);
        assert.ok((plain[0] as number) > 3000, 'unfixed wrapped file shows air as bright');
      }
      if (encoding === 'int16') assert.equal(hu[0], -2000 + plan.rescaleIntercept, 'raw −2000 outside the scan circle');
    }
  }
});

test('ground-truth HU are plausible: brain 0–100 HU inside the head, bone up to ~2000 HU, air ≈ −1000', () => {
  const plan = planStudy(4, 0, { slicesPerStudy: [30, 30], size: 128, prevalence: 0 });
  const mid = renderStudySlice(plan, 15).expectedHu;
  const centre = mid[64 * 128 + 64] as number;
  assert.ok(centre > -20 && centre < 100, `centre pixel ${centre} HU is soft tissue`);
  let max = -Infinity;
  for (const v of mid) max = Math.max(max, v);
  assert.ok(max > 900 && max < 2600, `max ${max} HU is bone`);
});

test('a slice renders byte-identically alone, in order, or in reverse order (no hidden state between slices)', () => {
  const opts = { slicesPerStudy: [10, 10] as [number, number], size: 80, prevalence: 1 };
  const plan = planStudy(3, 1, opts);
  const inOrder = plan.levels.map((_, k) => renderStudySlice(plan, k).dicom);
  const reversed = planStudy(3, 1, opts);
  for (let k = inOrder.length - 1; k >= 0; k--) assert.ok(renderStudySlice(reversed, k).dicom.equals(inOrder[k] as Buffer), `slice ${k} reversed`);
  assert.ok(renderStudySlice(planStudy(3, 1, opts), 6).dicom.equals(inOrder[6] as Buffer), 'slice 6 alone');
});
