/**
 * The pydicom reference: every image in ../shared/data/reference-hu.json (817 CT images: RSNA
 * rsna-dev and an unlabeled series, CQ500 JPEG Lossless SV1, corpus J2K/RLE/JPEG/enhanced CT) must
 * give pydicom 2.3.1's HU min/max exactly, mean/std within 1e-6 relative, the same raw SHA-256
 * (same dtype, same values), and the same header values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireSharedData, rsnaDevImagesDir } from '../helpers/shared-data.js';
import { inspectFile, isInspectFailure } from '../../src/dicom/inspect.js';
import { readDicomHeader } from '../../src/dicom/index.js';

interface ReferenceImage {
  path: string;
  sop_instance_uid: string;
  transfer_syntax_uid: string;
  rows: number;
  cols: number;
  frames: number;
  bits_stored: number;
  rescale_slope: number;
  rescale_intercept: number;
  rescale_source: string;
  raw_dtype: string;
  raw_sha256_le: string | null;
  hu: { min: number; max: number; mean: number; std: number };
  hu_probes_frame0: Record<string, { row: number; col: number; raw: number; hu: number }>;
}

const RESCALE_SOURCE: Record<string, string> = {
  'top-level': 'top-level',
  'SharedFunctionalGroupsSequence[0]': 'shared-functional-groups',
};

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

test('every reference image matches pydicom 2.3.1 (HU stats, raw SHA-256, header)', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const rsna = rsnaDevImagesDir(shared);
  const ref = JSON.parse(readFileSync(join(shared, 'reference-hu.json'), 'utf8')) as { images: ReferenceImage[] };
  assert.equal(ref.images.length, 817, 'reference-hu.json lists 817 images');
  const problems: string[] = [];
  let hashed = 0;
  for (const im of ref.images) {
    const file = im.path.startsWith('rsna-dev/') ? join(rsna, im.path.slice('rsna-dev/'.length)) : join(shared, im.path);
    const r = await inspectFile(file, { sha256: true });
    if (isInspectFailure(r)) {
      problems.push(`${im.path}: ${r.error.code} ${r.error.message}`);
      continue;
    }
    const bad: string[] = [];
    if (r.hu.min !== im.hu.min || r.hu.max !== im.hu.max) bad.push(`min/max ${r.hu.min}/${r.hu.max} vs ${im.hu.min}/${im.hu.max}`);
    if (relErr(r.hu.mean, im.hu.mean) > 1e-6) bad.push(`mean ${r.hu.mean} vs ${im.hu.mean}`);
    if (relErr(r.hu.std, im.hu.std) > 1e-6) bad.push(`std ${r.hu.std} vs ${im.hu.std}`);
    if (im.raw_sha256_le !== null) {
      hashed++;
      if (r.rawSha256 !== im.raw_sha256_le) bad.push('raw SHA-256 differs');
    }
    if (r.sopInstanceUid !== im.sop_instance_uid) bad.push(`SOP UID ${r.sopInstanceUid}`);
    if (r.transferSyntaxUid !== im.transfer_syntax_uid) bad.push(`syntax ${r.transferSyntaxUid}`);
    if (r.rows !== im.rows || r.columns !== im.cols || r.frames !== im.frames) bad.push(`size ${r.rows}x${r.columns}x${r.frames}`);
    if (r.bitsStored !== im.bits_stored) bad.push(`bitsStored ${r.bitsStored}`);
    if (r.rescaleSlope !== im.rescale_slope || r.rescaleIntercept !== im.rescale_intercept) bad.push(`rescale ${r.rescaleSlope}/${r.rescaleIntercept}`);
    const meta = readDicomHeader(readFileSync(file), file);
    if (meta.rescaleSource !== RESCALE_SOURCE[im.rescale_source]) bad.push(`rescale source ${meta.rescaleSource} vs ${im.rescale_source}`);
    if (bad.length) problems.push(`${im.path}: ${bad.join('; ')}`);
  }
  assert.deepEqual(problems, [], `${problems.length} of ${ref.images.length} images differ from pydicom`);
  assert.equal(hashed, 817, 'every reference image has a raw SHA-256 and it was compared');
});
