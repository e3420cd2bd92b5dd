import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCommandHelp, parseCommandArgs, type CommandSpec } from '../../src/cli/args.js';
import { isIchError } from '../../src/core/errors.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runCliCaptured } from '../helpers/cli.js';

const spec: CommandSpec = {
  name: 'demo', summary: 's', usage: 'ichscan demo',
  flags: {
    size: { type: 'number', help: 'size', default: 256 },
    json: { type: 'boolean', help: 'json' },
    out: { type: 'string', help: 'out', short: 'o' },
  },
};

test('parses flags, defaults, short flags, --no-x and positionals', () => {
  const a = parseCommandArgs(spec, ['a', '--size', '128', '-o', 'x.png', 'b', '--json']);
  assert.deepEqual(a.positionals, ['a', 'b']);
  assert.equal(a.flags['size'], 128);
  assert.equal(a.flags['out'], 'x.png');
  assert.equal(a.flags['json'], true);
  assert.equal(parseCommandArgs(spec, []).flags['size'], 256);
  assert.equal(parseCommandArgs(spec, ['--no-json']).flags['json'], false);
  assert.equal(parseCommandArgs(spec, ['--size=64']).flags['size'], 64);
});

test('unknown flags and bad numbers are usage errors', () => {
  assert.throws(() => parseCommandArgs(spec, ['--nope']), (e: unknown) => isIchError(e, 'ICH_E_USAGE'));
  assert.throws(() => parseCommandArgs(spec, ['--size', 'big']), (e: unknown) => isIchError(e, 'ICH_E_USAGE'));
  assert.throws(() => parseCommandArgs(spec, ['--out']), (e: unknown) => isIchError(e, 'ICH_E_USAGE'));
});

test('every flag of every registered command has a help line', () => {
  for (const c of COMMANDS) {
    const help = formatCommandHelp(c.spec);
    for (const [name, f] of Object.entries(c.spec.flags)) {
      assert.ok(f.help.trim().length > 3, `${c.spec.name} --${name} lacks help`);
      assert.ok(help.includes(`--${name}`));
    }
  }
});

test('main help and unknown command', async () => {
  const h = await runCliCaptured(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Commands:/);
  const u = await runCliCaptured(['frobnicate']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown command/);
});
