/**
 * A pure, typed argument parser: every flag is declared with a help line (the help text is
 * generated from the declaration, so no flag can lack one). `parseCommandArgs` never exits or
 * prints; it returns values or throws ICH_E_USAGE.
 */
import { ichError } from '../core/errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean' | 'number';
  help: string;
  short?: string;
  default?: string | number | boolean;
  /** Placeholder in the help text, e.g. `<dir>`. */
  arg?: string;
  multiple?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Description of positional arguments, for help. */
  positionals?: { name: string; help: string; variadic?: boolean; optional?: boolean }[];
}

export type FlagValue = string | number | boolean | string[] | undefined;

export interface ParsedArgs {
  flags: Record<string, FlagValue>;
  positionals: string[];
}

export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const flags: Record<string, FlagValue> = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, f] of Object.entries(spec.flags)) if (f.short) byShort.set(f.short, name);
  for (const [name, f] of Object.entries(spec.flags)) if (f.default !== undefined) flags[name] = f.default;
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] as string;
    if (tok === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      name = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
      inline = eq >= 0 ? tok.slice(eq + 1) : undefined;
      if (!(name in spec.flags) && name.startsWith('no-') && spec.flags[name.slice(3)]?.type === 'boolean') {
        flags[name.slice(3)] = false;
        continue;
      }
    } else if (/^-[a-zA-Z]$/.test(tok)) {
      name = byShort.get(tok.slice(1));
      if (!name) throw ichError('ICH_E_USAGE', `unknown option ${tok} for "${spec.name}" (see --help)`);
    } else {
      positionals.push(tok);
      continue;
    }
    const f = spec.flags[name];
    if (!f) throw ichError('ICH_E_USAGE', `unknown option --${name} for "${spec.name}" (see --help)`);
    if (f.type === 'boolean') {
      if (inline !== undefined && !['true', 'false'].includes(inline)) throw ichError('ICH_E_USAGE', `--${name} takes no value`);
      flags[name] = inline === undefined ? true : inline === 'true';
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) throw ichError('ICH_E_USAGE', `--${name} needs a value`);
      i++;
    }
    if (f.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw ichError('ICH_E_USAGE', `--${name} must be a number, got "${value}"`);
      flags[name] = n;
    } else if (f.multiple) {
      const prev = flags[name];
      flags[name] = [...(Array.isArray(prev) ? prev : []), value];
    } else {
      flags[name] = value;
    }
  }
  return { flags, positionals };
}

/** The help text of a command, generated from its declaration. */
export function formatCommandHelp(spec: CommandSpec): string {
  const lines = [`ichscan ${spec.name} — ${spec.summary}`, '', `Usage: ${spec.usage}`, ''];
  if (spec.positionals?.length) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(26)} ${p.help}`);
    lines.push('');
  }
  lines.push('Options:');
  const entries = Object.entries(spec.flags);
  for (const [name, f] of entries) {
    const left = `${f.short ? `-${f.short}, ` : ''}--${name}${f.type === 'boolean' ? '' : ` ${f.arg ?? '<value>'}`}`;
    const def = f.default !== undefined && f.type !== 'boolean' ? ` (default ${String(f.default)})` : '';
    lines.push(`  ${left.padEnd(26)} ${f.help}${def}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(26)} Show this help`);
  return lines.join('\n');
}

/** Typed getters that throw ICH_E_USAGE with the flag's name. */
export function getString(a: ParsedArgs, name: string): string | undefined {
  const v = a.flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw ichError('ICH_E_USAGE', `--${name} must be text`);
  return v;
}
export function requireString(a: ParsedArgs, name: string): string {
  const v = getString(a, name);
  if (v === undefined || v === '') throw ichError('ICH_E_USAGE', `--${name} is required`);
  return v;
}
export function getNumber(a: ParsedArgs, name: string): number | undefined {
  const v = a.flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw ichError('ICH_E_USAGE', `--${name} must be a number`);
  return v;
}
export function getInt(a: ParsedArgs, name: string, min = -Infinity, max = Infinity): number | undefined {
  const v = getNumber(a, name);
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min || v > max) throw ichError('ICH_E_USAGE', `--${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}
export function getBool(a: ParsedArgs, name: string): boolean {
  return a.flags[name] === true;
}
export function getStrings(a: ParsedArgs, name: string): string[] {
  const v = a.flags[name];
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  return [String(v)];
}
