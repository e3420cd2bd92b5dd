/**
 * One test per transfer syntax and container variant, on small images built in memory (see
 * helpers/build-dicom.ts): native encodings with and without preamble/meta, every dtype, zero-copy
 * views, multi-frame; RLE through an independent PackBits encoder; JPEG lossless, JPEG-LS, JPEG 2000
 * and HTJ2K through dcmjs-codecs' encoders (lossless, so decoding must give back the exact values,
 * signed 12-bit included), with one fragment per frame, split fragments and offset tables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dcmjsCodecs from 'dcmjs-codecs';
import { decodeDicom, decodeDicomSync, initCodecs, readDicomHeader } from '../../src/dicom/index.js';
import { buildDicom, concat, ctElements, encodeRleFrame, type Samples } from './helpers/build-dicom.js';
import { createRng } from '../../src/core/random.js';

const ROWS = 24;
const COLS = 20;

/** A seeded test image of `frames` frames spanning the whole range of `bits` stored bits. */
function makeSamples<T extends Samples>(Ctor: { new (n: number): T }, frames: number, bits: number, signed: boolean, seed = 1): T {
  const rng = createRng(seed);
  const a = new Ctor(ROWS * COLS * frames);
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  for (let i = 0; i < a.length; i++) a[i] = i % 7 === 0 ? (i % 2 ? lo : hi) : lo + Math.floor(rng.next() * (hi - lo + 1));
  return a;
}

const NATIVE = [
  ['1.2.840.10008.1.2', 'implicit VR little endian'],
  ['1.2.840.10008.1.2.1', 'explicit VR little endian'],
  ['1.2.840.10008.1.2.2', 'explicit VR big endian'],
  ['1.2.840.10008.1.2.1.99', 'deflated explicit VR little endian'],
] as const;

const DTYPES = [
  [Int16Array, 16, 1],
  [Uint16Array, 16, 0],
  [Uint8Array, 8, 0],
  [Int8Array, 8, 1],
  [Int32Array, 32, 1],
  [Uint32Array, 32, 0],
] as const;

for (const [ts, name] of NATIVE) {
  test(`native ${name}: every dtype, 2 frames, values and header exact`, () => {
    for (const [Ctor, bits, pr] of DTYPES) {
      const samples = makeSamples(Ctor as unknown as { new (n: number): Samples }, 2, bits, pr === 1);
      const file = buildDicom({
        transferSyntax: ts,
        elements: ctElements({ rows: ROWS, columns: COLS, frames: 2, bitsAllocated: bits, pixelRepresentation: pr, intercept: -1024, slope: 1 }),
        pixels: { native: samples },
      });
      const d = decodeDicomSync(file, `t-${bits}-${pr}.dcm`);
      assert.equal(d.raw.data.constructor, Ctor, `${name} ${Ctor.name}`);
      assert.deepEqual(Array.from(d.raw.data), Array.from(samples), `${name} ${Ctor.name} values`);
      assert.equal(d.meta.transferSyntaxUid, ts);
      assert.equal(d.meta.frames, 2);
      assert.equal(d.meta.rows, ROWS);
      assert.equal(d.meta.columns, COLS);
      assert.equal(d.meta.rescaleIntercept, -1024);
      assert.equal(d.meta.rescaleSource, 'top-level');
    }
  });
}

test('files without preamble, and without any meta header, are parsed by sniffing the encoding', () => {
  for (const [ts] of NATIVE.filter(([u]) => u !== '1.2.840.10008.1.2.1.99')) {
    const samples = makeSamples(Int16Array, 1, 16, true);
    for (const variant of [{ preamble: false }, { preamble: false, meta: false }]) {
      const file = buildDicom({ transferSyntax: ts, elements: ctElements({ rows: ROWS, columns: COLS }), pixels: { native: samples }, ...variant });
      const d = decodeDicomSync(file, 'raw.dcm');
      assert.equal(d.meta.transferSyntaxUid, ts, JSON.stringify(variant));
      assert.deepEqual(Array.from(d.raw.data), Array.from(samples));
    }
  }
});

test('little-endian native pixels are a zero-copy view when aligned, a correct copy when not', () => {
  const samples = makeSamples(Int16Array, 1, 16, true);
  const file = buildDicom({ transferSyntax: '1.2.840.10008.1.2.1', elements: ctElements({ rows: ROWS, columns: COLS }), pixels: { native: samples } });
  const aligned = decodeDicomSync(file, 'a.dcm');
  assert.equal(aligned.raw.data.buffer, file.buffer, 'view on the file bytes');
  const shifted = new Uint8Array(file.length + 1).subarray(1);
  shifted.set(file);
  const misaligned = decodeDicomSync(shifted, 'b.dcm');
  assert.notEqual(misaligned.raw.data.buffer, shifted.buffer, 'copied');
  assert.deepEqual(Array.from(misaligned.raw.data), Array.from(samples));
});

test('RLE lossless: 8/16/32-bit, signed, multi-frame, against an independent PackBits encoder', () => {
  for (const [Ctor, bits, pr] of DTYPES) {
    const frames = 3;
    const samples = makeSamples(Ctor as unknown as { new (n: number): Samples }, frames, bits, pr === 1, 7);
    // Long runs too, so the repeat branch of PackBits is used.
    samples.fill(pr === 1 ? -5 : 5, 0, 150);
    const per = ROWS * COLS;
    const fragments = Array.from({ length: frames }, (_, f) => encodeRleFrame(samples.subarray(f * per, (f + 1) * per)));
    const file = buildDicom({
      transferSyntax: '1.2.840.10008.1.2.5',
      elements: ctElements({ rows: ROWS, columns: COLS, frames, bitsAllocated: bits, pixelRepresentation: pr }),
      pixels: { fragments },
    });
    const d = decodeDicomSync(file, 'rle.dcm');
    assert.equal(d.raw.data.constructor, Ctor);
    assert.deepEqual(Array.from(d.raw.data), Array.from(samples), `RLE ${Ctor.name}`);
  }
});

type Codec = 'encodeJpeg' | 'encodeJpegLs' | 'encodeJpeg2000' | 'encodeHtJpeg2000';
const CODECS: [string, Codec, string][] = [
  ['1.2.840.10008.1.2.4.70', 'encodeJpeg', 'JPEG lossless SV1'],
  ['1.2.840.10008.1.2.4.80', 'encodeJpegLs', 'JPEG-LS lossless'],
  ['1.2.840.10008.1.2.4.90', 'encodeJpeg2000', 'JPEG 2000 lossless'],
  ['1.2.840.10008.1.2.4.201', 'encodeHtJpeg2000', 'HTJ2K lossless'],
];

function encodeFrame(
  codec: Codec,
  frame: Int16Array | Uint16Array | Uint8Array,
  bitsStored: number,
  pr: 0 | 1,
  params: Record<string, number | boolean> = { lossy: false },
): Uint8Array {
  const ctx = new dcmjsCodecs.Context({
    width: COLS,
    height: ROWS,
    bitsAllocated: frame.BYTES_PER_ELEMENT * 8,
    bitsStored,
    samplesPerPixel: 1,
    pixelRepresentation: pr,
    planarConfiguration: 0,
    photometricInterpretation: 'MONOCHROME2',
    decodedBuffer: new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength),
  });
  const out = dcmjsCodecs.NativeCodecs[codec](ctx, params).getEncodedBuffer();
  assert.ok(out && out.length > 0, `${codec} produced a codestream`);
  return out;
}

for (const [ts, codec, name] of CODECS) {
  test(`${name}: 12-bit signed/unsigned and 16-bit, multi-frame, fragment layouts`, async () => {
    await initCodecs();
    // 'masked': signed 12-bit samples given to the encoder as unsigned 12-bit words, as dcmtk and
    // GDCM write them; 'extended': given as sign-extended int16 with PixelRepresentation 1.
    for (const [bitsStored, pr, input] of [[12, 1, 'masked'], [12, 1, 'extended'], [12, 0, ''], [16, 1, ''], [16, 0, '']] as const) {
      const frames = 2;
      const Ctor = pr === 1 ? Int16Array : Uint16Array;
      const samples = makeSamples(Ctor as { new (n: number): Int16Array | Uint16Array }, frames, bitsStored, pr === 1, bitsStored + pr);
      const per = ROWS * COLS;
      const toEncode = input === 'masked' ? new Uint16Array(samples.length).map((_, i) => samples[i]! & 0xfff) : samples;
      const encoded = [0, 1].map((f) => encodeFrame(codec, toEncode.subarray(f * per, (f + 1) * per), bitsStored, input === 'masked' ? 0 : pr));
      const elements = ctElements({ rows: ROWS, columns: COLS, frames, bitsStored, pixelRepresentation: pr });
      // (a) one fragment per frame, (b) frame 0 split in two fragments with an offset table, (c) split, no table.
      const half = Math.floor(encoded[0]!.length / 2) & ~1;
      const split = [encoded[0]!.subarray(0, half), encoded[0]!.subarray(half), encoded[1]!];
      const layouts = [
        { fragments: encoded },
        { fragments: split, offsetTable: [0, 8 + half + 8 + (encoded[0]!.length - half + (encoded[0]!.length % 2))] },
        { fragments: split },
      ];
      for (const [i, pixels] of layouts.entries()) {
        const file = buildDicom({ transferSyntax: ts, elements, pixels });
        const d = await decodeDicom(file, `${name}.dcm`);
        assert.equal(d.raw.data.constructor, Ctor, `${name} ${bitsStored}/${pr} ${input} layout ${i}: dtype`);
        assert.deepEqual(Array.from(d.raw.data), Array.from(samples), `${name} ${bitsStored}/${pr} ${input} layout ${i}: values`);
      }
    }
  });
}

test('JPEG lossless process 14, predictors 2–7 (1.2.840.10008.1.2.4.57), signed 12-bit: exact', async () => {
  await initCodecs();
  const samples = makeSamples(Int16Array, 1, 12, true, 5);
  const masked = new Uint16Array(samples.length).map((_, i) => samples[i]! & 0xfff);
  for (const predictor of [2, 3, 4, 5, 6, 7]) {
    // Predictors 5–7 shift differences, so only 12-bit words (as real encoders write) survive the round trip.
    const enc = encodeFrame('encodeJpeg', masked, 12, 0, { lossy: false, predictor });
    const file = buildDicom({ transferSyntax: '1.2.840.10008.1.2.4.57', elements: ctElements({ rows: ROWS, columns: COLS, bitsStored: 12 }), pixels: { fragments: [enc] } });
    assert.deepEqual(Array.from((await decodeDicom(file, 'p.dcm')).raw.data), Array.from(samples), `predictor ${predictor}`);
  }
});

test('lossy syntaxes (JPEG baseline 8-bit, JPEG-LS near-lossless, J2K, HTJ2K) decode within the encoder error', async () => {
  await initCodecs();
  // A smooth test image: lossy codecs reproduce it closely, so a wrong decode path (byte order, sign, frame) cannot pass.
  const smooth = (Ctor: { new (n: number): Int16Array | Uint8Array }, lo: number, hi: number) =>
    new Ctor(ROWS * COLS).map((_, i) => Math.round(lo + ((hi - lo) * (1 + Math.sin((i % COLS) / 4) * Math.cos(Math.floor(i / COLS) / 5))) / 2));
  const cases = [
    ['1.2.840.10008.1.2.4.50', 'encodeJpeg', smooth(Uint8Array, 0, 255), 8, 0, { lossy: true, quality: 95 }, 12],
    ['1.2.840.10008.1.2.4.81', 'encodeJpegLs', smooth(Int16Array, -1024, 2000), 16, 1, { lossy: true, allowedLossyError: 3 }, 3],
    ['1.2.840.10008.1.2.4.91', 'encodeJpeg2000', smooth(Int16Array, -1024, 2000), 16, 1, { lossy: true, rate: 2 }, 60],
    ['1.2.840.10008.1.2.4.203', 'encodeHtJpeg2000', smooth(Int16Array, -1024, 2000), 16, 1, { lossy: true }, 60],
  ] as const;
  for (const [ts, codec, samples, bits, pr, params, tolerance] of cases) {
    const enc = encodeFrame(codec, samples, bits, pr, params);
    const file = buildDicom({ transferSyntax: ts, elements: ctElements({ rows: ROWS, columns: COLS, bitsAllocated: bits, pixelRepresentation: pr }), pixels: { fragments: [enc] } });
    const d = await decodeDicom(file, `${ts}.dcm`);
    assert.equal(d.raw.data.constructor, samples.constructor, ts);
    let maxErr = 0;
    for (let i = 0; i < samples.length; i++) maxErr = Math.max(maxErr, Math.abs(d.raw.data[i]! - samples[i]!));
    assert.ok(maxErr <= tolerance, `${ts}: max error ${maxErr} > ${tolerance}`);
  }
});

test('a compressed single frame split into several fragments is joined', async () => {
  await initCodecs();
  const samples = makeSamples(Int16Array, 1, 16, true, 3);
  const enc = encodeFrame('encodeJpeg2000', samples, 16, 1);
  const parts = [enc.subarray(0, 100), enc.subarray(100, 300), enc.subarray(300)];
  const file = buildDicom({ transferSyntax: '1.2.840.10008.1.2.4.90', elements: ctElements({ rows: ROWS, columns: COLS }), pixels: { fragments: parts } });
  assert.deepEqual(Array.from((await decodeDicom(file, 'x.dcm')).raw.data), Array.from(samples));
  assert.ok(concat(parts).length === enc.length);
});

test('readDicomHeader reads metadata without decoding, also for compressed syntaxes before initCodecs', () => {
  const file = buildDicom({
    transferSyntax: '1.2.840.10008.1.2.4.91',
    elements: [
      ...ctElements({ rows: 512, columns: 512, intercept: -1024, slope: 1 }),
      { tag: 0x00200032, vr: 'DS', value: '-125\\-120.5\\33.25' },
      { tag: 0x00200037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' },
      { tag: 0x00280030, vr: 'DS', value: '0.488\\0.5' },
      { tag: 0x00180050, vr: 'DS', value: '5' },
      { tag: 0x00281050, vr: 'DS', value: '40\\400' },
      { tag: 0x00281051, vr: 'DS', value: '80\\2000' },
      { tag: 0x00100020, vr: 'LO', value: 'ID_abc' },
      { tag: 0x0020000d, vr: 'UI', value: '1.2.3' },
      { tag: 0x0020000e, vr: 'UI', value: '1.2.3.4' },
      { tag: 0x00200013, vr: 'IS', value: '17' },
    ],
    pixels: { fragments: [new Uint8Array([0xff, 0x4f, 0xff, 0x51])] },
  });
  const m = readDicomHeader(file, 'h.dcm');
  assert.deepEqual(m.imagePositionPatient, [-125, -120.5, 33.25]);
  assert.deepEqual(m.imageOrientationPatient, [1, 0, 0, 0, 1, 0]);
  assert.deepEqual(m.pixelSpacing, [0.488, 0.5]);
  assert.equal(m.sliceThickness, 5);
  assert.equal(m.windowCenter, 40);
  assert.equal(m.windowWidth, 80);
  assert.equal(m.patientId, 'ID_abc');
  assert.equal(m.studyInstanceUid, '1.2.3');
  assert.equal(m.seriesInstanceUid, '1.2.3.4');
  assert.equal(m.instanceNumber, 17);
  assert.equal(m.sopInstanceUid, '1.2.3.4.5');
  assert.equal(m.modality, 'CT');
  assert.equal(m.frames, 1);
});
