import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWindow, parseWindowList, WINDOW_PRESETS } from '../../src/core/windows.js';
import { isIchError } from '../../src/core/errors.js';

test('presets and custom windows parse', () => {
  assert.deepEqual(parseWindow('brain'), WINDOW_PRESETS.brain);
  assert.deepEqual(parseWindow('40,80'), { name: '40,80', level: 40, width: 80 });
  assert.deepEqual(parseWindowList('bss').map((w) => w.name), ['brain', 'subdural', 'soft']);
  assert.deepEqual(parseWindowList('brain,bone').map((w) => w.level), [40, 600]);
  assert.deepEqual(parseWindowList('-100,500+40,80').map((w) => w.width), [500, 80]);
});

test('bad windows give ICH_E_BAD_WINDOW', () => {
  for (const bad of ['lung', '40,0', '40', '']) {
    assert.throws(() => parseWindowList(bad), (e: unknown) => isIchError(e, 'ICH_E_BAD_WINDOW'));
  }
});
