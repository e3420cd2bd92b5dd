/**
 * A real Orthanc (Debian `orthanc`, /usr/sbin/Orthanc) for the round-trip tests: a JSON config in
 * a temp folder, free loopback ports, the DICOMweb plugin; started and killed by the test.
 * `storeFolder` sends files with dcmtk's storescu (C-STORE), as a modality or PACS would; `-R` proposes
 * only the SOP classes the files have (its default list lacks Comprehensive 3D SR).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ORTHANC = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
const AET = 'ICHTEST';

export interface OrthancServer {
  http: string;
  dicomPort: number;
  aet: string;
  stop: () => Promise<void>;
}

/** A port the OS says is free on loopback now (closed again before Orthanc binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function hasOrthanc(): boolean {
  return existsSync(ORTHANC) && existsSync(DICOMWEB_PLUGIN);
}

export async function startOrthanc(dir: string): Promise<OrthancServer> {
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const config = {
    Name: 'ichscan-test',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'storage'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: AET,
    DicomCheckCalledAet: true,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    StorageCompression: false,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
  };
  const configFile = join(dir, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(config, null, 1));
  const child: ChildProcess = spawn(ORTHANC, [configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const http = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited (${child.exitCode}): ${log.slice(-2000)}`);
    try {
      const r = await fetch(`${http}/system`);
      if (r.ok) return { http, dicomPort, aet: AET, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`Orthanc did not answer on ${http}: ${log.slice(-2000)}`);
}

/** C-STORE every file under `dir` with storescu; throws with its output when it fails. */
export function storeFolder(server: OrthancServer, dir: string): void {
  const r = spawnSync('storescu', ['-aet', 'ICHSCAN', '-aec', server.aet, '-R', '+sd', '+r', '127.0.0.1', String(server.dicomPort), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`storescu failed (${r.status}): ${r.stdout}${r.stderr}`);
}

export async function getJson<T>(server: OrthancServer, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${server.http}${path}`, body === undefined ? {} : { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

export async function getBytes(server: OrthancServer, path: string, accept?: string): Promise<{ bytes: Buffer; contentType: string }> {
  const r = await fetch(`${server.http}${path}`, accept ? { headers: { Accept: accept } } : {});
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return { bytes: Buffer.from(await r.arrayBuffer()), contentType: r.headers.get('content-type') ?? '' };
}

/** The one part of a multipart/related DICOMweb response. */
export function singlePart(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const start = body.indexOf('\r\n\r\n', body.indexOf(`--${boundary}`)) + 4;
  const end = body.indexOf(`\r\n--${boundary}`, start);
  return body.subarray(start, end);
}

/** The dataset of a Part 10 file: everything after the file meta group (which a receiver rewrites). */
export function datasetBytes(file: Buffer): Buffer {
  const metaLength = file.readUInt32LE(132 + 8);
  return file.subarray(132 + 12 + metaLength);
}
