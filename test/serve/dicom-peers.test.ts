/**
 * `ichscan serve` as a child process between real dcmtk peers: echoscu and storescu send a
 * synthetic study (and one more arrives over STOW-RS), the service scores both and storescp, as
 * the PACS, receives the SR, SEG, key images and KOS; a calling AE outside --allow-ae is refused;
 * a changed instance re-sent (dcmodify) re-scores the study and updates its one result row.
 * Then the fault test: the server is SIGKILLed while a study is scoring, restarted on the same
 * data dir, and every study finishes exactly once (one result row, one delivery each).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ServeStore } from '../../src/serve/store/serve-store.js';
import { readInstanceHeader } from '../../src/serve/read-instance-header.js';
import type { WorklistEntry } from '../../src/serve/http/study-view.js';
import { freePort, getJson, hasBinary, makeServeDirs, makeSynthStudies, requireBinaries, runTool, spawnServe, startStorescp, waitExit, waitFor, waitForEcho, WRITE_TOKEN } from './serve-helpers.js';

function byStudy(files: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const f of files) {
    const uid = readInstanceHeader(f).studyUid;
    m.set(uid, [...(m.get(uid) ?? []), f]);
  }
  return m;
}

async function worklist(port: number): Promise<WorklistEntry[]> {
  try {
    return ((await getJson(port, '/api/worklist')) as { studies: WorklistEntry[] }).studies;
  } catch {
    return [];
  }
}

test('dcmtk storescu + STOW-RS in → scored → results received by dcmtk storescp; allow-ae refuses others', { timeout: 120_000 }, async (t) => {
  if (!requireBinaries(t, ['storescu', 'echoscu', 'storescp'])) return;
  const { dir, dataDir, tokenFile } = makeServeDirs('peers');
  const studies = [...byStudy(await makeSynthStudies(join(dir, 'synth'), 2, 21)).entries()];
  const [viaDimse, viaStow] = studies as [[string, string[]], [string, string[]]];
  const [http, dicom, pacsPort] = [await freePort(), await freePort(), await freePort()];
  const pacsDir = join(dir, 'pacs');
  mkdirSync(pacsDir);
  const pacs = startStorescp('PACS', pacsPort, pacsDir);
  const log: string[] = [];
  const serve = spawnServe(['--data-dir', dataDir, '--token-file', tokenFile, '--http-port', String(http), '--dicom-port', String(dicom), '--stable-age', '1', '--allow-ae', 'STORESCU,ECHOSCU', '--forward-to', `PACS@127.0.0.1:${pacsPort}`], log);
  try {
    await waitForEcho(dicom);
    const refused = await runTool('echoscu', ['-aet', 'INTRUDER', '-aec', 'ICHSCAN', '127.0.0.1', String(dicom)]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, /Calling AE Title Not Recognized/i);
    const sent = await runTool('storescu', ['-aet', 'STORESCU', '-aec', 'ICHSCAN', '127.0.0.1', String(dicom), ...viaDimse[1]]);
    assert.equal(sent.code, 0, sent.output);
    const boundary = 'peers-boundary';
    const parts = viaStow[1].flatMap((f) => [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), readFileSync(f), Buffer.from('\r\n')]);
    const stow = await fetch(`http://127.0.0.1:${http}/dicomweb/studies`, { method: 'POST', body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, authorization: `Bearer ${WRITE_TOKEN}` } });
    assert.equal(stow.status, 200, await stow.text());
    const done = await waitFor('both studies done and delivered', async () => {
      const wl = await worklist(http);
      if (wl.length !== 2 || !wl.every((s) => s.status === 'done')) return undefined;
      const details = await Promise.all(wl.map((s) => getJson(http, `/api/studies/${s.studyInstanceUid}`) as Promise<{ deliveries: { state: string }[] }>));
      return details.every((d) => d.deliveries[0]?.state === 'delivered') ? details : undefined;
    }, 90_000, 500);
    for (const d of done as unknown as { studyInstanceUid: string; slices: unknown[]; results: { kind: string; sopInstanceUid: string }[]; volume: unknown; keySlices: unknown[]; skippedSeries: unknown[]; deliveries: { destination: string; attempts: number }[]; instances: number }[]) {
      const sent = d.studyInstanceUid === viaDimse[0] ? viaDimse[1] : viaStow[1];
      assert.equal(d.instances, sent.length);
      assert.equal(d.slices.length, sent.length, 'per-slice probabilities of every slice');
      assert.ok(d.volume !== null && d.keySlices.length > 0);
      assert.deepEqual(d.skippedSeries, []);
      assert.equal(d.deliveries[0]?.destination, `PACS@127.0.0.1:${pacsPort}`);
      assert.equal(d.deliveries[0]?.attempts, 1);
      // every result the service lists arrived at the PACS, under its SOP Instance UID
      const received = readdirSync(pacsDir);
      for (const r of d.results) assert.ok(received.some((f) => f.endsWith(r.sopInstanceUid)), `${r.kind} ${r.sopInstanceUid} not received by storescp`);
      assert.ok(d.results.some((r) => r.kind === 'sr'));
    }
    const metrics = await (await fetch(`http://127.0.0.1:${http}/metrics`, { headers: { authorization: `Bearer ${WRITE_TOKEN}` } })).text();
    assert.match(metrics, new RegExp(`ichscan_instances_received_total\\{via="dimse"\\} ${viaDimse[1].length}`));
    assert.match(metrics, new RegExp(`ichscan_instances_received_total\\{via="stow"\\} ${viaStow[1].length}`));
    assert.match(metrics, /ichscan_associations_refused_total 1/);
    assert.match(metrics, /ichscan_deliveries_total\{outcome="delivered"\} 2/);
    assert.match(metrics, /ichscan_job_latency_seconds_count 2/);
    // no UID in clear in the log
    const text = log.join('');
    for (const [uid] of studies) assert.ok(!text.includes(uid), 'a StudyInstanceUID appeared in the log');
    // a changed instance re-sent re-opens the study: scored again, its result row updated, not duplicated
    if (hasBinary('dcmodify')) {
      const before = (await getJson(http, `/api/studies/${viaDimse[0]}`)) as { resultUpdatedAt: string };
      const changed = join(dir, 'changed.dcm');
      copyFileSync(viaDimse[1][0] as string, changed);
      assert.equal((await runTool('dcmodify', ['-nb', '-i', '(0008,103e)=re-sent after a correction', changed])).code, 0);
      assert.equal((await runTool('storescu', ['-aet', 'STORESCU', '-aec', 'ICHSCAN', '127.0.0.1', String(dicom), changed])).code, 0);
      await waitFor('re-scored', async () => {
        const d = (await getJson(http, `/api/studies/${viaDimse[0]}`)) as { status: string; resultUpdatedAt: string; deliveries: { state: string }[] };
        return d.status === 'done' && d.resultUpdatedAt !== before.resultUpdatedAt && d.deliveries[0]?.state === 'delivered' ? true : undefined;
      }, 60_000, 500);
      serve.kill('SIGTERM');
      await waitExit(serve);
      const store = new ServeStore(join(dataDir, 'ichscan.db'));
      try {
        assert.equal(store.countResults(viaDimse[0]), 1, 'one result row per study + series + model version');
        assert.equal(store.study(viaDimse[0])?.instances, viaDimse[1].length, 'the changed instance replaced its old copy');
        assert.equal((store.db.prepare('SELECT runs FROM jobs WHERE study_uid = ?').get(viaDimse[0]) as { runs: number }).runs, 2);
      } finally {
        store.close();
      }
    }
  } finally {
    serve.kill('SIGTERM');
    pacs.kill('SIGTERM');
    await waitExit(serve);
  }
});

test('server SIGKILLed mid-queue and restarted: every study finishes exactly once', { timeout: 150_000 }, async (t) => {
  if (!requireBinaries(t, ['storescu', 'echoscu', 'storescp'])) return;
  const { dir, dataDir, tokenFile } = makeServeDirs('kill');
  const files = await makeSynthStudies(join(dir, 'synth'), 3, 31);
  const [http, dicom, pacsPort] = [await freePort(), await freePort(), await freePort()];
  const pacsDir = join(dir, 'pacs');
  mkdirSync(pacsDir);
  const pacs = startStorescp('PACS', pacsPort, pacsDir);
  const args = ['--data-dir', dataDir, '--token-file', tokenFile, '--http-port', String(http), '--dicom-port', String(dicom), '--stable-age', '1', '--forward-to', `PACS@127.0.0.1:${pacsPort}`];
  const log: string[] = [];
  let serve = spawnServe(args, log);
  try {
    await waitForEcho(dicom);
    const sent = await runTool('storescu', ['-aec', 'ICHSCAN', '127.0.0.1', String(dicom), ...files]);
    assert.equal(sent.code, 0, sent.output);
    const victim = await waitFor('a study scoring', async () => (await worklist(http)).find((s) => s.status === 'scoring'), 60_000, 50);
    serve.kill('SIGKILL');
    await waitExit(serve);
    const before = await (async () => {
      const store = new ServeStore(join(dataDir, 'ichscan.db'));
      try {
        return { status: store.study(victim.studyInstanceUid)?.status, results: store.countResults(victim.studyInstanceUid) };
      } finally {
        store.close();
      }
    })();
    assert.equal(before.status, 'scoring', 'killed while scoring');
    assert.equal(before.results, 0);
    serve = spawnServe(args, log);
    await waitFor('all three done and delivered', async () => {
      const wl = await worklist(http);
      if (wl.length !== 3 || !wl.every((s) => s.status === 'done')) return undefined;
      const details = await Promise.all(wl.map((s) => getJson(http, `/api/studies/${s.studyInstanceUid}`) as Promise<{ deliveries: { state: string }[] }>));
      return details.every((d) => d.deliveries[0]?.state === 'delivered') ? true : undefined;
    }, 120_000, 500);
    serve.kill('SIGTERM');
    await waitExit(serve);
    const store = new ServeStore(join(dataDir, 'ichscan.db'));
    try {
      for (const s of store.worklist(10)) {
        assert.equal(s.status, 'done');
        assert.equal(store.countResults(s.study_uid), 1, 'one result per study + series + model version');
        const deliveries = store.deliveriesOf(s.study_uid);
        assert.equal(deliveries.length, 1);
        assert.equal(deliveries[0]?.attempts, 1, 'delivered once');
        const runs = (store.db.prepare('SELECT runs FROM jobs WHERE study_uid = ?').get(s.study_uid) as { runs: number }).runs;
        assert.equal(runs, s.study_uid === victim.studyInstanceUid ? 2 : 1, 'the killed job ran again, the others once');
      }
    } finally {
      store.close();
    }
    assert.equal(readdirSync(pacsDir).filter((f) => f.startsWith('SR')).length, 3, 'the PACS holds one SR per study');
  } finally {
    serve.kill('SIGTERM');
    pacs.kill('SIGTERM');
    await waitExit(serve);
  }
});

test('C-STORE limits: an instance over --max-instance-mb is answered 0xA700, counted, and nothing is kept', { timeout: 90_000 }, async (t) => {
  if (!requireBinaries(t, ['storescu', 'echoscu'])) return;
  const { dir, dataDir, tokenFile } = makeServeDirs('dimse-limits');
  const files = await makeSynthStudies(join(dir, 'synth'), 1, 71, [10, 10]);
  const [http, dicom] = [await freePort(), await freePort()];
  // synthetic 256² instances are ~130 KB: a 0.05 MiB limit refuses each of them
  const serve = spawnServe(['--data-dir', dataDir, '--token-file', tokenFile, '--http-port', String(http), '--dicom-port', String(dicom), '--max-instance-mb', '0.05'], []);
  try {
    await waitForEcho(dicom);
    const sent = await runTool('storescu', ['-v', '-aec', 'ICHSCAN', '127.0.0.1', String(dicom), ...files.slice(0, 1)]);
    assert.match(sent.output, /Refused: OutOfResources|0xa700/i, sent.output);
    const metrics = await (await fetch(`http://127.0.0.1:${http}/metrics`, { headers: { authorization: `Bearer ${WRITE_TOKEN}` } })).text();
    assert.match(metrics, /ichscan_instances_refused_total\{code="ICH_E_TOO_LARGE"\} 1/);
    assert.match(metrics, /ichscan_instances_received_total\{via="dimse"\} 0/);
    assert.deepEqual(((await getJson(http, '/api/worklist')) as { studies: unknown[] }).studies, []);
    await waitFor('partial files removed', () => (readdirSync(join(dataDir, 'incoming')).length === 0 ? true : undefined), 5000, 100);
  } finally {
    serve.kill('SIGTERM');
    await waitExit(serve);
  }
});
