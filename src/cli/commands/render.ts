/**
 * `ichscan render <file> --window <spec> [--size N] [--frame k] [--sigmoid] -o out.png [--force]`:
 * one DICOM frame through THE pipeline (HU, 12-bit fix, padding → air, windows, resize) to an 8-bit
 * PNG: one window → greyscale, three (e.g. bss) → RGB. See docs/commands/render.md.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { getBool, getInt, requireString } from '../args.js';
import type { Command } from '../command.js';
import { ichError } from '../../core/errors.js';
import { parseWindowList } from '../../core/windows.js';
import { readDicomFile } from '../../dicom/index.js';
import { encodePng, preprocessDecoded } from '../../preprocess/index.js';
import { writeFileAtomicSync } from '../../core/atomic-write.js';

export const renderCommand: Command = {
  spec: {
    name: 'render',
    summary: 'Render a CT slice through the windows to a PNG (1 window grey, 3 windows RGB)',
    usage: 'ichscan render <file> --window brain|subdural|soft|bone|bss|L,W [--size N] -o out.png [--force]',
    positionals: [{ name: '<file>', help: 'A DICOM file' }],
    flags: {
      window: { type: 'string', arg: '<spec>', default: 'brain', help: 'brain|subdural|soft|bone, a stack (bss = brain,subdural,soft), L,W (e.g. 40,80), or a list (brain,bone or 40,80+600,2800): 1 or 3 windows' },
      size: { type: 'number', arg: '<n>', help: 'Output n×n pixels (default: the image size); shrinking averages areas, enlarging is bilinear' },
      frame: { type: 'number', arg: '<k>', default: 0, help: 'Frame of a multi-frame file, from 0' },
      sigmoid: { type: 'boolean', help: 'Sigmoid instead of linear windows' },
      'rsna-fix': { type: 'boolean', default: true, help: 'Apply the RSNA 12-bit fix where the header needs it (--no-rsna-fix: off)' },
      'pad-to-air': { type: 'boolean', default: true, help: 'Show padding below −1024 HU as air (--no-pad-to-air: off)' },
      out: { type: 'string', short: 'o', arg: '<file.png>', help: 'Output PNG (required; existing files are kept unless --force)' },
      force: { type: 'boolean', help: 'Overwrite the output file if it exists' },
      json: { type: 'boolean', help: 'Print {"file", "output", "width", "height", "channels", "windows"} instead of a sentence' },
    },
  },
  async run(args, io) {
    const [input, extra] = args.positionals;
    if (input === undefined || extra !== undefined) throw ichError('ICH_E_USAGE', 'give exactly one DICOM file');
    const out = resolve(io.cwd, requireString(args, 'out'));
    const windows = parseWindowList(requireString(args, 'window'));
    if (windows.length !== 1 && windows.length !== 3) throw ichError('ICH_E_USAGE', `render needs 1 window (grey) or 3 (RGB), got ${windows.length}`);
    const size = getInt(args, 'size', 1, 4096);
    const frame = getInt(args, 'frame', 0) ?? 0;
    if (existsSync(out)) {
      if (statSync(out).isDirectory()) throw ichError('ICH_E_USAGE', '-o must name a file, not a folder', { file: out });
      if (!getBool(args, 'force')) throw ichError('ICH_E_OUTPUT_EXISTS', 'use --force to replace it', { file: out });
    }
    const decoded = await readDicomFile(resolve(io.cwd, input));
    const image = preprocessDecoded(
      decoded,
      {
        size: size ?? [decoded.raw.rows, decoded.raw.columns],
        windows,
        dtype: 'uint8',
        sigmoid: getBool(args, 'sigmoid'),
        rsna12BitFix: args.flags['rsna-fix'] !== false,
        padToAir: args.flags['pad-to-air'] !== false,
      },
      frame,
    );
    writeFileAtomicSync(out, encodePng(image));
    const [h, w, c] = image.shape;
    const names = windows.map((x) => x.name);
    if (getBool(args, 'json')) io.stdout.write(`${JSON.stringify({ file: input, output: out, width: w, height: h, channels: c, windows: names })}\n`);
    else io.stdout.write(`wrote ${out} (${w}×${h}, ${c === 1 ? 'grey' : 'RGB'}: ${names.join(' + ')})\n`);
    return 0;
  },
};
