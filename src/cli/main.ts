#!/usr/bin/env node
/**
 * ichscan entry point: dispatches `ichscan <command> ...` to the command registry.
 * Exit codes: 0 ok, 1 the job failed, 2 usage error.
 */
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { formatCommandHelp, parseCommandArgs } from './args.js';
import { ICHSCAN_VERSION } from '../core/version.js';
import type { CliIo } from './command.js';
import { COMMANDS } from './commands/index.js';
import { isIchError } from '../core/errors.js';

export function formatMainHelp(): string {
  const lines = ['ichscan — intracranial hemorrhage detection on head CT', '', 'Usage: ichscan <command> [options]   (ichscan <command> --help for its options)', '', 'Commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.spec.name.padEnd(12)} ${c.spec.summary}`);
  return lines.join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${formatMainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.stdout.write(`ichscan ${ICHSCAN_VERSION}\n`);
    return 0;
  }
  // `ichscan bench train` style: a command named "bench train" takes two words.
  const two = rest[0] !== undefined ? `${name} ${rest[0]}` : undefined;
  let cmd = two !== undefined ? COMMANDS.find((c) => c.spec.name === two) : undefined;
  let args = rest.slice(1);
  if (!cmd) {
    cmd = COMMANDS.find((c) => c.spec.name === name);
    args = rest;
  }
  if (!cmd) {
    io.stderr.write(`ichscan: unknown command "${name}"\n\n${formatMainHelp()}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${formatCommandHelp(cmd.spec)}\n`);
    return 0;
  }
  try {
    return await cmd.run(parseCommandArgs(cmd.spec, args), io);
  } catch (e) {
    if (isIchError(e)) {
      io.stderr.write(`ichscan ${cmd.spec.name}: [${e.code}] ${e.message}\n`);
      return e.code === 'ICH_E_USAGE' ? 2 : 1;
    }
    io.stderr.write(`ichscan ${cmd.spec.name}: [ICH_E_INTERNAL] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  // `ichscan inspect … | head`: a closed pipe ends the run quietly instead of crashing.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
  process.exitCode = code;
}
