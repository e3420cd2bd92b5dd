/**
 * BullMQ + Redis mode with real peers: Debian redis-server, `ichscan serve --redis` (no model in
 * the server) and two `ichscan worker` processes; dcmtk storescu sends three studies and
 * storescp is the PACS. The worker that takes the first job is SIGKILLed mid-job: BullMQ's
 * stalled-job check hands the job to the other worker; the server is SIGKILLed and restarted too;
 * every study ends done exactly once (one result row, one delivery), nothing lost or duplicated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { ServeStore } from '../../src/serve/store/serve-store.js';
import type { WorklistEntry } from '../../src/serve/http/study-view.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { freePort, getJson, makeServeDirs, makeSynthStudies, requireBinaries, runTool, spawnServe, startStorescp, waitExit, waitFor, waitForEcho } from './serve-helpers.js';

function spawnWorker(redisUrl: string, log: string[]): ChildProcess {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/src/cli/main.js'), 'worker', '--redis', redisUrl, '--lock-ms', '3000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => log.push(String(d)));
  return child;
}

test('Redis + two workers, one SIGKILLed mid-job and the server SIGKILLed and restarted: every study done once, results delivered once', { timeout: 150_000 }, async (t) => {
  if (!requireBinaries(t, ['redis-server', 'storescu', 'echoscu', 'storescp'])) return;
  const { dir, dataDir, tokenFile } = makeServeDirs('redis');
  const files = await makeSynthStudies(join(dir, 'synth'), 3, 41);
  const [http, dicom, pacsPort, redisPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  mkdirSync(join(dir, 'pacs'));
  const pacs = startStorescp('PACS', pacsPort, join(dir, 'pacs'));
  const serveLog: string[] = [];
  const serveArgs = ['--data-dir', dataDir, '--token-file', tokenFile, '--http-port', String(http), '--dicom-port', String(dicom), '--stable-age', '1', '--redis', redisUrl, '--forward-to', `PACS@127.0.0.1:${pacsPort}`];
  let serve = spawnServe(serveArgs, serveLog);
  const logs: [string[], string[]] = [[], []];
  const workers = [spawnWorker(redisUrl, logs[0]), spawnWorker(redisUrl, logs[1])];
  try {
    await waitForEcho(dicom);
    await waitFor('both workers ready', () => (logs.every((l) => l.join('').includes('worker ready')) ? true : undefined), 60_000);
    const sent = await runTool('storescu', ['-aec', 'ICHSCAN', '127.0.0.1', String(dicom), ...files]);
    assert.equal(sent.code, 0, sent.output);
    const victim = await waitFor('a worker scoring', () => {
      const k = logs.findIndex((l) => l.join('').includes('"msg":"scoring"'));
      return k >= 0 ? k : undefined;
    }, 60_000, 50);
    workers[victim]?.kill('SIGKILL');
    await waitExit(workers[victim] as ChildProcess);
    // the server goes down too (kill -9) and comes back: its SQLite rows keep the BullMQ job ids
    serve.kill('SIGKILL');
    await waitExit(serve);
    serve = spawnServe(serveArgs, serveLog);
    const worklist = async (): Promise<WorklistEntry[]> => ((await getJson(http, '/api/worklist').catch(() => ({ studies: [] }))) as { studies: WorklistEntry[] }).studies;
    await waitFor('three studies done and delivered', async () => {
      const wl = await worklist();
      if (wl.length !== 3 || !wl.every((s) => s.status === 'done')) return undefined;
      const details = await Promise.all(wl.map((s) => getJson(http, `/api/studies/${s.studyInstanceUid}`) as Promise<{ deliveries: { state: string }[] }>));
      return details.every((d) => d.deliveries[0]?.state === 'delivered') ? true : undefined;
    }, 120_000, 500);
    const survivor = logs[1 - victim]?.join('') ?? '';
    // the victim was killed on its first job, so the survivor scored all three, the stalled one included
    assert.equal((survivor.match(/"msg":"scored"/g) ?? []).length, 3, 'the surviving worker scored every study, the stalled job included');
    serve.kill('SIGTERM');
    await waitExit(serve);
    const store = new ServeStore(join(dataDir, 'ichscan.db'));
    try {
      const rows = store.worklist(10);
      assert.equal(rows.length, 3);
      for (const s of rows) {
        assert.equal(s.status, 'done');
        assert.equal(store.countResults(s.study_uid), 1);
        assert.equal(store.deliveriesOf(s.study_uid)[0]?.attempts, 1);
      }
    } finally {
      store.close();
    }
    assert.equal(readdirSync(join(dir, 'pacs')).filter((f) => f.startsWith('SR')).length, 3, 'one SR per study at the PACS');
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    serve.kill('SIGTERM');
    await Promise.all([...workers, serve].map(waitExit));
    pacs.kill('SIGTERM');
    redis.kill('SIGTERM');
  }
});
