/**
 * CT display windows (level L, width W, in Hounsfield units). A window maps HU to [0, 1]:
 * v = clamp((hu - (L - W/2)) / W, 0, 1). "bss" is the capstone's brain + subdural + soft stack.
 */
import { ichError } from './errors.js';

export interface WindowPreset {
  readonly name: string;
  /** Window centre in HU. */
  readonly level: number;
  /** Window width in HU (> 0). */
  readonly width: number;
}

export const WINDOW_PRESETS = {
  brain: { name: 'brain', level: 40, width: 80 },
  subdural: { name: 'subdural', level: 80, width: 200 },
  soft: { name: 'soft', level: 40, width: 380 },
  bone: { name: 'bone', level: 600, width: 2800 },
} as const satisfies Record<string, WindowPreset>;

export type WindowPresetName = keyof typeof WINDOW_PRESETS;

/** Named stacks of windows, one channel each. */
export const WINDOW_STACKS: Readonly<Record<string, readonly WindowPreset[]>> = {
  bss: [WINDOW_PRESETS.brain, WINDOW_PRESETS.subdural, WINDOW_PRESETS.soft],
  bsb: [WINDOW_PRESETS.brain, WINDOW_PRESETS.subdural, WINDOW_PRESETS.bone],
};

/**
 * Parse one window: a preset name (`brain`), `L,W` or `L/W` (e.g. `40,80`). Throws ICH_E_BAD_WINDOW.
 */
export function parseWindow(spec: string): WindowPreset {
  const s = spec.trim();
  if (s in WINDOW_PRESETS) return WINDOW_PRESETS[s as WindowPresetName];
  const m = /^(-?\d+(?:\.\d+)?)[,/:](\d+(?:\.\d+)?)$/.exec(s);
  if (m) {
    const level = Number(m[1]);
    const width = Number(m[2]);
    if (width > 0) return { name: `${level},${width}`, level, width };
  }
  throw ichError('ICH_E_BAD_WINDOW', `"${spec}" (use ${Object.keys(WINDOW_PRESETS).join('|')}, a stack ${Object.keys(WINDOW_STACKS).join('|')}, or L,W)`);
}

/**
 * Parse a list of windows: a stack name (`bss`) or comma/plus-separated presets (`brain,subdural,soft`).
 * A single custom window `L,W` is accepted too; for several custom ones separate them with `+` (`40,80+80,200`).
 */
export function parseWindowList(spec: string): WindowPreset[] {
  const s = spec.trim();
  const stack = WINDOW_STACKS[s];
  if (stack) return [...stack];
  if (/^-?\d+(\.\d+)?[,/:]\d+(\.\d+)?$/.test(s)) return [parseWindow(s)];
  const parts = s.includes('+') ? s.split('+') : s.split(',');
  return parts.flatMap((p) => (WINDOW_STACKS[p.trim()] ? [...(WINDOW_STACKS[p.trim()] ?? [])] : [parseWindow(p)]));
}
