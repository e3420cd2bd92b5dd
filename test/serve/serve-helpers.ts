/**
 * Helpers for the serve tests: a temp data dir with a token file, synthetic studies from the
 * project's generator (256², 12–14 slices: fast), free loopback ports, the real peers (dcmtk
 * storescu/echoscu/storescp, `ichscan serve` as a child process) and polling.
 */
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { generateSynthDataset } from '../../src/synth/index.js';
import { resolveConfig, type ServeConfig } from '../../src/serve/config.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

export const WRITE_TOKEN = 'write-token-0123456789';
export const READ_TOKEN = 'read-token-0123456789';

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ichscan-serve-${prefix}-`));
}

/** A data dir and a token file with one write and one read token. */
export function makeServeDirs(prefix: string): { dir: string; dataDir: string; tokenFile: string } {
  const dir = makeTempDir(prefix);
  const tokenFile = join(dir, 'tokens');
  writeFileSync(tokenFile, `# test tokens\n${WRITE_TOKEN}\nread:${READ_TOKEN}\n`);
  return { dir, dataDir: join(dir, 'data'), tokenFile };
}

export function testConfig(prefix: string, overrides: Partial<ServeConfig> = {}): ServeConfig {
  const { dataDir, tokenFile } = makeServeDirs(prefix);
  return resolveConfig({}, { dataDir, tokenFile, httpPort: 0, dicomPort: null, ...overrides }, process.cwd());
}

/** Synthetic studies; returns the image files per study folder (all in one `images/` dir). */
export async function makeSynthStudies(out: string, studies: number, seed: number, slices: [number, number] = [12, 14]): Promise<string[]> {
  await generateSynthDataset({ studies, slicesPerStudy: slices, size: 256, seed, prevalence: 0.5, out });
  return readdirSync(join(out, 'images')).filter((f) => f.endsWith('.dcm')).map((f) => join(out, 'images', f));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Skips when a peer binary is absent; under CI=true its absence fails the test. */
export function requireBinaries(t: TestContext, names: string[]): boolean {
  const missing = names.filter((n) => !hasBinary(n));
  if (missing.length === 0) return true;
  if (process.env['CI'] === 'true') throw new Error(`${missing.join(', ')} missing but CI=true (.ci/run installs dcmtk)`);
  t.skip(`${missing.join(', ')} not installed (apt-get install dcmtk)`);
  return false;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `ichscan serve …` as a child process (so a test can SIGKILL it). Output goes to `log`. */
export function spawnServe(args: string[], log: string[]): ChildProcess {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/src/cli/main.js'), 'serve', '--log-level', 'info', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => log.push(String(d)));
  child.stderr?.on('data', (d: Buffer) => log.push(String(d)));
  return child;
}

export function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** Runs a dcmtk tool; resolves with its status and output. */
export function runTool(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += String(d)));
    p.stderr.on('data', (d: Buffer) => (output += String(d)));
    p.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** dcmtk storescp as the PACS: stores every object it receives into `dir`. */
export function startStorescp(aeTitle: string, port: number, dir: string): ChildProcess {
  return spawn('storescp', ['-aet', aeTitle, '-od', dir, String(port)], { stdio: 'ignore' });
}

/** Waits until the service answers C-ECHO (the SCP listens after the HTTP side). */
export async function waitForEcho(port: number, aeTitle = 'ICHSCAN', timeoutMs = 60_000): Promise<void> {
  await waitFor('C-ECHO', async () => ((await runTool('echoscu', ['-aec', aeTitle, '127.0.0.1', String(port)])).code === 0 ? true : undefined), timeoutMs, 500);
}

export async function getJson(port: number, path: string, token = READ_TOKEN): Promise<unknown> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return r.json();
}
