/**
 * Contrast evidence from the header (src/dicom/contrast.ts): on real files (pydicom's CT_small
 * with ContrastBolusAgent "ISOVUE300/100", pydicom-data's enhanced CT with a Contrast/Bolus Agent
 * Sequence, a CT whose agent is empty, CQ500's "4cc sec 150cc" series and RSNA's stripped headers),
 * on built files (agent "NONE", Contrast/Bolus Usage "Administered YES" in a functional group),
 * and on Series Descriptions read either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomHeader } from '../../src/dicom/index.js';
import { contrastInDescription } from '../../src/dicom/contrast.js';
import { requireSharedData } from '../helpers/shared-data.js';
import { buildDicom, ctElements, sequenceValue, type TestElement } from './helpers/build-dicom.js';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';

function headerWith(extra: TestElement[]): ReturnType<typeof readDicomHeader> {
  const bytes = buildDicom({ transferSyntax: EXPLICIT_LE, elements: [...ctElements({ rows: 2, columns: 2 }), ...extra], pixels: { native: new Int16Array(4) } });
  return readDicomHeader(bytes, 'built.dcm');
}

test('contrast evidence from real headers: agent named, enhanced-CT sequence, empty agent, CQ500 injection protocol, RSNA', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const read = (rel: string): string | undefined => readDicomHeader(readFileSync(join(shared, rel)), rel).contrast;
  assert.equal(read('dicom-corpus/debian-python3-pydicom/CT_small.dcm'), 'ContrastBolusAgent "ISOVUE300/100"');
  assert.equal(read('dicom-corpus/github-pydicom-data/eCT_Supplemental.dcm'), 'ContrastBolusAgentSequence present (enhanced CT)');
  assert.equal(read('dicom-corpus/debian-python3-pydicom/J2K_pixelrep_mismatch.dcm'), undefined, 'ContrastBolusAgent present but empty (Type 2): no evidence');
  // CQ500-CT-0's thin series: SeriesDescription "4cc sec 150cc D3D on" (4 cc/s, 150 cc injected); CT-1's "2.5/5mm" is plain
  const files = readFileSync(join(shared, 'cq500-sample/files.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const ct0 = files.find((f) => f[1] === 'CQ500-CT-0')?.[0] as string;
  const ct1 = files.find((f) => f[1] === 'CQ500-CT-1')?.[0] as string;
  assert.equal(read(join('cq500-sample', ct0)), 'SeriesDescription "4cc sec 150cc D3D on"');
  assert.equal(read(join('cq500-sample', ct1)), undefined);
  const rsna = readdirSync(join(shared, 'rsna-unlabeled-series')).filter((f) => f.endsWith('.dcm'));
  for (const f of rsna.slice(0, 3)) assert.equal(read(join('rsna-unlabeled-series', f)), undefined);
});

test('contrast evidence from built headers: "NONE" is none, Administered YES in a functional group is enhanced', () => {
  assert.equal(headerWith([{ tag: 0x00180010, vr: 'LO', value: 'NONE' }]).contrast, undefined);
  assert.equal(headerWith([{ tag: 0x00180010, vr: 'LO', value: '0' }]).contrast, undefined);
  assert.equal(headerWith([{ tag: 0x00180010, vr: 'LO', value: 'Omnipaque 350' }]).contrast, 'ContrastBolusAgent "Omnipaque 350"');
  const usage = (administered: string): TestElement => ({
    tag: 0x52009229,
    vr: 'SQ',
    value: sequenceValue([[{ tag: 0x00189341, vr: 'SQ', value: sequenceValue([[{ tag: 0x00189337, vr: 'US', value: [1] }, { tag: 0x00189342, vr: 'CS', value: administered }]]) }]]),
  });
  assert.equal(headerWith([usage('YES')]).contrast, 'ContrastBolusAgentAdministered YES');
  assert.equal(headerWith([usage('NO')]).contrast, undefined);
  // the agent wins over a description that says otherwise; a description alone decides when nothing else is there
  assert.equal(headerWith([{ tag: 0x0008103e, vr: 'LO', value: 'CTA HEAD' }]).contrast, 'SeriesDescription "CTA HEAD"');
  assert.equal(headerWith([{ tag: 0x00180010, vr: 'LO', value: 'ISOVUE' }, { tag: 0x0008103e, vr: 'LO', value: 'Head plain' }]).contrast, 'ContrastBolusAgent "ISOVUE"');
});

test('Series Description: enhanced protocols and injections read as contrast; plain, NCCT, non-contrast and C− do not', () => {
  for (const d of ['CTA HEAD', 'CT Angio Circle of Willis', 'HEAD W CONTRAST', 'Head C+', 'POST CONTRAST 5mm', 'Post-con axial', 'Venous phase', 'Perfusion 4D', '4cc sec 150cc D3D on', '80 ml Omnipaque']) {
    assert.ok(contrastInDescription(d), d);
  }
  for (const d of ['', 'Head 5mm', '2.5/5mm', 'BRAIN PLAIN', 'NCCT HEAD', 'NON CONTRAST HEAD', 'Head non-contrast', 'Head without contrast', 'HEAD C-', 'Pre-contrast', 'Head W/O', 'Axial 0.625 STND', 'CC projection']) {
    assert.equal(contrastInDescription(d), undefined, d);
  }
});
