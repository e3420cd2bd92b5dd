/**
 * Load on `ichscan serve` (embedded SQLite queue): N synthetic 40-slice studies sent concurrently
 * by N dcmtk storescu processes to a server child process with dcmtk storescp as the PACS. Reports
 * studies/min (first instance in → last result written), p50/p95 latency from a study's last
 * instance to its results written (so it includes the stable age and the wait in the queue), and
 * the server's peak RSS (VmHWM). Usage: `npm run bench:serve -- [--studies 50] [--slices 40]
 * [--size 256] [--stable-age 2] [--workers 2]` (`--workers n`: Redis + n `ichscan worker`). Prints numbers; not a test.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { ServeStore } from '../src/serve/store/serve-store.js';
import { readInstanceHeader } from '../src/serve/read-instance-header.js';
import { freePort, makeServeDirs, makeSynthStudies, runTool, spawnServe, startStorescp, waitExit, waitFor, waitForEcho } from '../test/serve/serve-helpers.js';
import { PROJECT_ROOT } from '../test/helpers/shared-data.js';

const { values } = parseArgs({ options: { studies: { type: 'string', default: '50' }, slices: { type: 'string', default: '40' }, size: { type: 'string', default: '256' }, 'stable-age': { type: 'string', default: '2' }, workers: { type: 'string', default: '0' } } });
/** 0: embedded SQLite queue; n > 0: redis-server + `serve --redis` + n `ichscan worker` processes (one ONNX thread each). */
const workerCount = Number(values.workers);
const n = Number(values.studies);
const slices = Number(values.slices);
const stableAge = Number(values['stable-age']);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// synthetic studies are cached: generating 2000 slices takes minutes
const cache = join(PROJECT_ROOT, '.cache', `bench-serve-${n}x${slices}-${values.size}`);
if (!existsSync(join(cache, 'images'))) {
  process.stderr.write(`generating ${n} studies × ${slices} slices into ${cache}\n`);
  await makeSynthStudies(cache, n, 4242, [slices, slices]);
}
const byStudy = new Map<string, string[]>();
for (const f of readdirSync(join(cache, 'images')).filter((x) => x.endsWith('.dcm'))) {
  const path = join(cache, 'images', f);
  const uid = readInstanceHeader(path).studyUid;
  byStudy.set(uid, [...(byStudy.get(uid) ?? []), path]);
}

const { dir, dataDir, tokenFile } = makeServeDirs('bench');
const [http, dicom, pacsPort] = [await freePort(), await freePort(), await freePort()];
mkdirSync(join(dir, 'pacs'));
const pacs = startStorescp('PACS', pacsPort, join(dir, 'pacs'));
const log: string[] = [];
const extra: string[] = [];
const helpers: ChildProcess[] = [];
if (workerCount > 0) {
  const redisPort = await freePort();
  helpers.push(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
  const url = `redis://127.0.0.1:${redisPort}`;
  extra.push('--redis', url);
  for (let i = 0; i < workerCount; i++) helpers.push(spawn(process.execPath, [join(PROJECT_ROOT, 'dist/src/cli/main.js'), 'worker', '--redis', url, '--threads', '1', '--log-level', 'warn'], { stdio: 'ignore' }));
}
const serve = spawnServe(['--data-dir', dataDir, '--token-file', tokenFile, '--http-port', String(http), '--dicom-port', String(dicom), '--stable-age', String(stableAge), '--forward-to', `PACS@127.0.0.1:${pacsPort}`, '--log-level', 'warn', '--max-queued-studies', String(n + 10), ...extra], log);
await waitForEcho(dicom);
const load0 = loadavg()[0] ?? NaN;
const t0 = Date.now();
const sends = await Promise.all([...byStudy.values()].map((files) => runTool('storescu', ['-aec', 'ICHSCAN', '127.0.0.1', String(dicom), ...files])));
const failedSends = sends.filter((s) => s.code !== 0).length;
const sentS = (Date.now() - t0) / 1000;
const store = new ServeStore(join(dataDir, 'ichscan.db'));
await waitFor('all studies done', () => (store.worklist(n + 10).filter((s) => s.status === 'done' || s.status === 'failed').length >= n ? true : undefined), 60 * 60 * 1000, 1000);
const rows = store.worklist(n + 10);
const latencies = rows.map((r) => ((r.finished_at ?? NaN) - r.last_instance_at) / 1000);
const firstIn = Math.min(...rows.map((r) => r.arrived_at));
const lastOut = Math.max(...rows.map((r) => r.finished_at ?? 0));
const rss = peakRssMb(serve.pid ?? 0);
const workerRss = helpers.slice(1).map((w) => Math.round(peakRssMb(w.pid ?? 0)));
const load1 = loadavg()[0] ?? NaN;
store.close();
serve.kill('SIGTERM');
pacs.kill('SIGTERM');
await waitExit(serve);
for (const h of helpers.reverse()) h.kill('SIGTERM');
const result = {
  queue: workerCount > 0 ? `redis + ${workerCount} workers` : 'embedded',
  studies: n,
  slicesPerStudy: slices,
  size: Number(values.size),
  stableAgeS: stableAge,
  failedSends,
  failedStudies: rows.filter((r) => r.status === 'failed').length,
  sendSeconds: Number(sentS.toFixed(1)),
  studiesPerMin: Number(((n / ((lastOut - firstIn) / 1000)) * 60).toFixed(1)),
  latencyP50S: Number(quantile(latencies, 0.5).toFixed(1)),
  latencyP95S: Number(quantile(latencies, 0.95).toFixed(1)),
  peakRssMb: Math.round(rss),
  workerPeakRssMb: workerRss,
  loadAvg1mStartEnd: [Number(load0.toFixed(2)), Number(load1.toFixed(2))],
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
