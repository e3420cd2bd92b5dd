/**
 * The command registry: one module per command under src/cli/commands. Add a command by
 * importing it here; main.ts builds help and dispatch from this list.
 */
import type { Command } from '../command.js';

export const COMMANDS: readonly Command[] = [];
