/**
 * A CLI command: its declaration (flags with help lines) and a `run` that receives parsed
 * arguments and an IO object (streams are injected so tests can capture output).
 * `run` resolves to the process exit code.
 */
import type { CommandSpec, ParsedArgs } from './args.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
}

export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}
