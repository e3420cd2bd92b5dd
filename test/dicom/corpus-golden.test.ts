/**
 * Corpus images outside reference-hu.json (MR, US palette, JPEG baseline and extended 12-bit, JPEG-LS
 * near-lossless, J2K, RLE, deflate, big endian, 8/32-bit …): the raw array must hash like pydicom
 * 2.3.1's `pixel_array` (Debian bookworm, with GDCM and Pillow), golden file
 * fixtures/pydicom-corpus-golden.json made by fixtures/make-golden.py. Deliberate differences
 * are listed with their reason and checked for exactly that difference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, requireSharedData } from '../helpers/shared-data.js';
import { decodeDicom } from '../../src/dicom/index.js';
import { isIchError } from '../../src/core/errors.js';

interface Golden {
  path: string;
  transfer_syntax_uid: string;
  dtype: string;
  shape: number[];
  raw_sha256_le: string;
}

const sha256 = (a: ArrayBufferView): string => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

/**
 * - JLSL_16_15_1_1F: signed JPEG-LS, 15 of 16 bits stored. pydicom 2.3.1 + GDCM returns the codec's
 *   unsigned 15-bit samples; ichscan sign-extends them (as pydicom ≥ 3.0 does by default,
 *   `apply_jls_sign_correction`), which is what a signed CT needs. Check: masking ichscan's values
 *   back to 15 bits gives pydicom 2.3.1's array exactly.
 * - JPEG2000-embedded-sequence-delimiter: its SIZ marker is overwritten with FFFE,E0DD; Pillow
 *   tolerated it, OpenJPEG (in GDCM too) rejects it: ICH_E_DECODE.
 * - parametric_map_float: float pixel data is not CT stored values: ICH_E_UNSUPPORTED_IMAGE.
 */
const REJECTED: Record<string, string> = {
  'debian-python3-pydicom/JPEG2000-embedded-sequence-delimiter.dcm': 'ICH_E_DECODE',
  'github-pydicom-data/parametric_map_float.dcm': 'ICH_E_UNSUPPORTED_IMAGE',
};
const SIGN_EXTENDED: Record<string, number> = { 'github-pydicom-data/JLSL_16_15_1_1F.dcm': 15 };

test('corpus images outside the CT reference hash like pydicom 2.3.1 pixel_array (107 images)', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const golden = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/dicom/fixtures/pydicom-corpus-golden.json'), 'utf8')) as { images: Golden[] };
  assert.equal(golden.images.length, 107);
  const problems: string[] = [];
  for (const g of golden.images) {
    const path = join(shared, 'dicom-corpus', g.path);
    let decoded;
    try {
      decoded = await decodeDicom(readFileSync(path), path);
    } catch (e) {
      if (!(isIchError(e) && REJECTED[g.path] === e.code)) problems.push(`${g.path}: ${String(e)}`);
      continue;
    }
    if (REJECTED[g.path]) problems.push(`${g.path}: expected ${REJECTED[g.path]}`);
    const { raw } = decoded;
    const shape = raw.frames > 1 ? [raw.frames, raw.rows, raw.columns] : [raw.rows, raw.columns];
    if (shape.join('x') !== g.shape.join('x')) problems.push(`${g.path}: shape ${shape.join('x')} vs ${g.shape.join('x')}`);
    const bits = SIGN_EXTENDED[g.path];
    if (bits !== undefined) {
      assert.ok(raw.data instanceof Int16Array);
      const masked = raw.data.map((v) => v & (2 ** bits - 1));
      assert.ok(raw.data.some((v) => v < 0), 'negative values after sign extension');
      if (sha256(masked) !== g.raw_sha256_le) problems.push(`${g.path}: masked values differ from pydicom 2.3.1`);
      continue;
    }
    if (sha256(raw.data) !== g.raw_sha256_le) problems.push(`${g.path} (${g.transfer_syntax_uid}): raw SHA-256 differs`);
  }
  assert.deepEqual(problems, []);
});
