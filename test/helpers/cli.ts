/** Runs the CLI in-process with captured output (app-factory style: no child process needed). */
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCliCaptured(argv: string[], cwd = process.cwd()): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = new Writable({ write(chunk, _enc, cb) { stdout += String(chunk); cb(); } });
  const err = new Writable({ write(chunk, _enc, cb) { stderr += String(chunk); cb(); } });
  const code = await runCli(argv, { stdout: out, stderr: err, cwd });
  return { code, stdout, stderr };
}
