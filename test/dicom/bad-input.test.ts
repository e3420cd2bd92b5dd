/**
 * Bad input never crashes, hangs or allocates from absurd header values: non-DICOM bytes,
 * truncation at every byte, missing pixel data, unsupported syntaxes, impossible dimensions,
 * corrupt compressed frames and seeded random byte flips all give a coded IchError naming the file.
 * The first test runs before any codec is loaded (each test file is its own process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isIchError, type IchErrorCode } from '../../src/core/errors.js';
import { createRng } from '../../src/core/random.js';
import { decodeDicom, decodeDicomSync, readDicomFile, readDicomHeader } from '../../src/dicom/index.js';
import { buildDicom, ctElements, encodeRleFrame } from './helpers/build-dicom.js';
import { requireSharedData, rsnaDevImagesDir } from '../helpers/shared-data.js';

/** Runs `f`, requires an IchError naming `file` (and of `code` when given); returns its code. */
function expectIchError(f: () => unknown, file: string, code?: IchErrorCode): string {
  try {
    f();
  } catch (e) {
    assert.ok(isIchError(e), `expected an IchError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${file}: `), `message names the file: ${e.message}`);
    if (code) assert.equal(e.code, code, e.message);
    return e.code;
  }
  assert.fail(`expected ${code ?? 'an IchError'} for ${file}`);
}

async function expectIchErrorAsync(f: () => Promise<unknown>, file: string, code?: IchErrorCode): Promise<string> {
  try {
    await f();
  } catch (e) {
    assert.ok(isIchError(e), `expected an IchError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    if (code) assert.equal(e.code, code, e.message);
    return e.code;
  }
  assert.fail(`expected ${code ?? 'an IchError'} for ${file}`);
}

const CT = ctElements({ rows: 16, columns: 16 });
const PIXELS = new Int16Array(256).map((_, i) => i * 9 - 1000);
const GOOD = buildDicom({ transferSyntax: '1.2.840.10008.1.2.1', elements: CT, pixels: { native: PIXELS } });

test('compressed data before initCodecs: decodeDicomSync says to load codecs, decodeDicom loads them', async () => {
  const fragment = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
  const file = buildDicom({ transferSyntax: '1.2.840.10008.1.2.4.70', elements: CT, pixels: { fragments: [fragment] } });
  expectIchError(() => decodeDicomSync(file, 'j.dcm'), 'j.dcm', 'ICH_E_INTERNAL');
  await expectIchErrorAsync(() => decodeDicom(file, 'j.dcm'), 'j.dcm', 'ICH_E_DECODE');
});

test('non-DICOM bytes: empty, short, text, PNG, random', () => {
  const rng = createRng(42);
  const random = new Uint8Array(4096).map(() => rng.int(0, 255));
  const inputs: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['short', new Uint8Array([1, 2, 3])],
    ['text', new TextEncoder().encode('patient,label\nID_1,0\n'.repeat(20))],
    ['png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Uint8Array(200)])],
    ['random', random],
  ];
  for (const [name, bytes] of inputs) {
    expectIchError(() => decodeDicomSync(bytes, name), name, 'ICH_E_NOT_DICOM');
    expectIchError(() => readDicomHeader(bytes, name), name, 'ICH_E_NOT_DICOM');
  }
});

test('truncation at every byte of a small file gives a coded error, never a crash', () => {
  const codes = new Set<string>();
  // Cuts inside the preamble and meta header, the dataset, and the pixel data.
  for (let cut = 0; cut < GOOD.length; cut++) {
    const name = `cut-${cut}.dcm`;
    codes.add(expectIchError(() => decodeDicomSync(GOOD.subarray(0, cut), name), name));
  }
  assert.ok(codes.has('ICH_E_TRUNCATED'), `codes seen: ${[...codes].join(', ')}`);
  // Cutting inside the pixel data specifically is reported as truncation.
  expectIchError(() => decodeDicomSync(GOOD.subarray(0, GOOD.length - 100), 'p.dcm'), 'p.dcm', 'ICH_E_TRUNCATED');
});

test('a real RSNA slice cut at 40 places (and an RLE file cut inside a fragment) gives coded errors', (t) => {
  const rle = buildDicom({ transferSyntax: '1.2.840.10008.1.2.5', elements: CT, pixels: { fragments: [encodeRleFrame(PIXELS)] } });
  expectIchError(() => decodeDicomSync(rle.subarray(0, rle.length - 30), 'r.dcm'), 'r.dcm');
  const shared = requireSharedData(t);
  if (!shared) return;
  const dir = join(rsnaDevImagesDir(shared), 'images');
  const first = readdirSync(dir).sort()[0]!;
  const bytes = readFileSync(join(dir, first));
  for (let k = 0; k < 40; k++) {
    const cut = Math.floor((bytes.length * k) / 40);
    expectIchError(() => decodeDicomSync(bytes.subarray(0, cut), first), first);
  }
});

test('missing pixel data, float pixel data, colour, 1-bit and unknown syntaxes are named', () => {
  const noPixels = buildDicom({ transferSyntax: '1.2.840.10008.1.2.1', elements: CT });
  expectIchError(() => decodeDicomSync(noPixels, 'np.dcm'), 'np.dcm', 'ICH_E_NO_PIXEL_DATA');
  expectIchError(() => readDicomHeader(noPixels, 'np.dcm'), 'np.dcm', 'ICH_E_NO_PIXEL_DATA');
  const float = buildDicom({
    transferSyntax: '1.2.840.10008.1.2.1',
    elements: [...CT, { tag: 0x7fe00008, vr: 'OF', value: new Uint8Array(1024) }],
  });
  expectIchError(() => decodeDicomSync(float, 'f.dcm'), 'f.dcm', 'ICH_E_UNSUPPORTED_IMAGE');
  const rgb = buildDicom({
    transferSyntax: '1.2.840.10008.1.2.1',
    elements: [...CT.filter((e) => e.tag !== 0x00280002), { tag: 0x00280002, vr: 'US', value: [3] }],
    pixels: { native: new Int16Array(768) },
  });
  expectIchError(() => decodeDicomSync(rgb, 'rgb.dcm'), 'rgb.dcm', 'ICH_E_UNSUPPORTED_IMAGE');
  const oneBit = buildDicom({
    transferSyntax: '1.2.840.10008.1.2.1',
    elements: ctElements({ rows: 16, columns: 16, bitsAllocated: 1, bitsStored: 1, pixelRepresentation: 0 }),
    pixels: { native: new Uint8Array(32) },
  });
  expectIchError(() => decodeDicomSync(oneBit, 'seg.dcm'), 'seg.dcm', 'ICH_E_UNSUPPORTED_IMAGE');
  const mpeg = buildDicom({ transferSyntax: '1.2.840.10008.1.2.4.100', elements: CT, pixels: { fragments: [new Uint8Array(64)] } });
  expectIchError(() => decodeDicomSync(mpeg, 'm.dcm'), 'm.dcm', 'ICH_E_UNSUPPORTED_SYNTAX');
  assert.equal(readDicomHeader(mpeg, 'm.dcm').rows, 16, 'the header of an undecodable syntax is still readable');
});

test('absurd dimensions are refused before any allocation', () => {
  const withGeometry = (g: Parameters<typeof ctElements>[0], pixels = new Int16Array(64)) =>
    buildDicom({ transferSyntax: '1.2.840.10008.1.2.1', elements: ctElements(g), pixels: { native: pixels } });
  const started = Date.now();
  for (const [name, g] of [
    ['zero-rows', { rows: 0, columns: 16 }],
    ['huge-frames', { rows: 65535, columns: 65535, frames: 1000 }],
    ['frames-negative', { rows: 16, columns: 16, frames: -3 }],
    ['bits-stored-over', { rows: 16, columns: 16, bitsAllocated: 16, bitsStored: 20 }],
    ['bits-odd', { rows: 16, columns: 16, bitsAllocated: 12, bitsStored: 12 }],
  ] as const) {
    expectIchError(() => decodeDicomSync(withGeometry(g), name), name, 'ICH_E_BAD_DIMENSIONS');
  }
  // Plausible header, far too little pixel data: refused from the element length, not by reading past it.
  expectIchError(() => decodeDicomSync(withGeometry({ rows: 4096, columns: 4096 }), 'short.dcm'), 'short.dcm', 'ICH_E_BAD_DIMENSIONS');
  // Compressed: 30000² × 16 bit is over the 1 GiB decode limit, refused from the header alone.
  const bomb = buildDicom({ transferSyntax: '1.2.840.10008.1.2.5', elements: ctElements({ rows: 30000, columns: 30000 }), pixels: { fragments: [new Uint8Array(64)] } });
  expectIchError(() => decodeDicomSync(bomb, 'bomb.dcm'), 'bomb.dcm', 'ICH_E_BAD_DIMENSIONS');
  // RLE that claims 8192² from 200 bytes cannot be real (PackBits expands at most 64×).
  const rleBomb = buildDicom({ transferSyntax: '1.2.840.10008.1.2.5', elements: ctElements({ rows: 8192, columns: 8192 }), pixels: { fragments: [encodeRleFrame(PIXELS)] } });
  expectIchError(() => decodeDicomSync(rleBomb, 'rb.dcm'), 'rb.dcm', 'ICH_E_DECODE');
  assert.ok(Date.now() - started < 2000, 'refusals are immediate');
});

test('corrupt compressed frames: every codec reports ICH_E_DECODE', async () => {
  const rng = createRng(7);
  const garbage = new Uint8Array(512).map(() => rng.int(0, 255));
  for (const ts of ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.5']) {
    const file = buildDicom({ transferSyntax: ts, elements: CT, pixels: { fragments: [garbage] } });
    await expectIchErrorAsync(() => decodeDicom(file, `g-${ts}.dcm`), `g-${ts}.dcm`, 'ICH_E_DECODE');
  }
  // Frame count that the fragments cannot supply.
  const two = buildDicom({ transferSyntax: '1.2.840.10008.1.2.5', elements: ctElements({ rows: 16, columns: 16, frames: 3 }), pixels: { fragments: [encodeRleFrame(PIXELS), encodeRleFrame(PIXELS)] } });
  await expectIchErrorAsync(() => decodeDicom(two, 'two.dcm'), 'two.dcm', 'ICH_E_DECODE');
});

test('500 seeded random byte flips: each decodes or gives a coded error', async () => {
  const rng = createRng(2024);
  let failures = 0;
  for (let k = 0; k < 500; k++) {
    const bytes = GOOD.slice();
    const flips = rng.int(1, 8);
    for (let j = 0; j < flips; j++) bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
    try {
      await decodeDicom(bytes, `flip-${k}`);
    } catch (e) {
      assert.ok(isIchError(e), `flip ${k}: ${String(e)}`);
      failures++;
    }
  }
  assert.ok(failures > 0, 'some flips must break the file');
});

test('readDicomFile: missing file and directory give file errors', async () => {
  await expectIchErrorAsync(() => readDicomFile('/nonexistent/x.dcm'), '/nonexistent/x.dcm', 'ICH_E_FILE_NOT_FOUND');
  await expectIchErrorAsync(() => readDicomFile('/tmp'), '/tmp', 'ICH_E_FILE_READ');
});
