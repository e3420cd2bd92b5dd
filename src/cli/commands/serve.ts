/**
 * `ichscan serve`: the triage service (DICOM in over C-STORE or STOW-RS, scored when the study is
 * stable, results out by C-STORE, worklist API). Logic lives in src/serve; this file maps flags
 * onto the typed ServeConfig (flags win over `--config` file keys) and runs until SIGINT/SIGTERM.
 */
import type { Command } from '../command.js';
import { getBool, getInt, getNumber, getString, getStrings } from '../args.js';
import { DEFAULT_CONFIG, parseDestination, readConfigFile, resolveConfig, type ServeConfig } from '../../serve/config.js';
import { startService } from '../../serve/start-service.js';
import { ENGINE_FLAGS, parseEngineOptions } from './infer-flags.js';
import { ichError } from '../../core/errors.js';

const D = DEFAULT_CONFIG;

export const serveCommand: Command = {
  spec: {
    name: 'serve',
    summary: 'Triage service: DICOM in (C-STORE, STOW-RS), scored, results out, worklist API',
    usage: 'ichscan serve --data-dir D --token-file F [--http-port N] [--dicom-port N] [--ae-title AE] [--forward-to [tls:]AE@host:port]... [--stable-age S] [--host 127.0.0.1] [--allow-ae A,B] [--pull-from URL] [--redis URL] [--cors-origin URL]... [--tls-cert PEM --tls-key PEM [--dicom-tls] [--dicom-tls-ca PEM]] [--config F]',
    flags: {
      config: { type: 'string', arg: '<file>', help: 'JSON config file with ServeConfig keys (docs/serve.md); flags override its keys' },
      'data-dir': { type: 'string', arg: '<dir>', help: 'Where the queue (SQLite), received instances and results are kept' },
      'token-file': { type: 'string', arg: '<file>', help: 'Bearer tokens, one per line; read:<token> may only read' },
      'http-port': { type: 'number', arg: '<n>', help: `HTTP port of the API and STOW-RS (default ${D.httpPort}; 0 = any free port)` },
      'dicom-port': { type: 'number', arg: '<n>', help: `C-STORE SCP port (default ${D.dicomPort}; -1 = no DICOM listener)` },
      'ae-title': { type: 'string', arg: '<AE>', help: `Our AE title: called AE of the SCP, calling AE when forwarding (default ${D.aeTitle})` },
      'allow-ae': { type: 'string', arg: '<A,B>', help: 'Calling AE titles allowed to send (comma-separated); unset = any AE; others are refused and counted' },
      'forward-to': { type: 'string', multiple: true, arg: '<[tls:]AE@host:port>', help: 'Send each study\'s DICOM results there by C-STORE (repeatable); retried until delivered; tls: = over DICOM TLS (needs --tls-cert, --tls-key, --dicom-tls-ca)' },
      'stow-to': { type: 'string', multiple: true, arg: '<url>', help: 'Also send the results by STOW-RS to this DICOMweb base URL (repeatable)' },
      webhook: { type: 'string', arg: '<url>', help: 'POST a JSON summary of each flagged study to this URL (retried like deliveries)' },
      'stable-age': { type: 'number', arg: '<s>', help: `Seconds without a new instance after which a study is complete (default ${D.stableAgeS})` },
      host: { type: 'string', arg: '<addr>', help: `Bind address of both listeners (default ${D.host}: loopback only)` },
      model: { type: 'string', arg: '<dir|name>', help: `Model folder or shipped model name (default ${D.modelDir})` },
      'uid-root': { type: 'string', arg: '<uid>', help: `UID root for the results' new UIDs (default ${D.uidRoot})` },
      'pull-from': { type: 'string', arg: '<url>', help: 'DICOMweb server (e.g. Orthanc http://host:8042/dicom-web) that POST /api/notify pulls studies from by WADO-RS' },
      redis: { type: 'string', arg: '<url>', help: 'Run the queue on BullMQ + Redis (redis://host:port) instead of the embedded SQLite queue; `ichscan worker` processes take the jobs' },
      'max-body-mb': { type: 'number', arg: '<MiB>', help: `Largest HTTP request body (default ${D.maxBodyBytes / 2 ** 20})` },
      'max-instance-mb': { type: 'number', arg: '<MiB>', help: `Largest single instance (default ${D.maxInstanceBytes / 2 ** 20})` },
      'max-instances-per-study': { type: 'number', arg: '<n>', help: `Instances one study may hold (default ${D.maxInstancesPerStudy})` },
      'max-queued-studies': { type: 'number', arg: '<n>', help: `Studies waiting to be scored beyond which new ones are refused with 429 (default ${D.maxQueuedStudies})` },
      'retention-days': { type: 'number', arg: '<days>', help: 'Delete received images this many days after their study is done (default 0 = keep)' },
      'tls-cert': { type: 'string', arg: '<pem>', help: 'Serve HTTPS with this certificate (needs --tls-key); also our certificate for DICOM TLS' },
      'tls-key': { type: 'string', arg: '<pem>', help: 'Private key of --tls-cert' },
      'dicom-tls': { type: 'boolean', help: 'The C-STORE SCP speaks DICOM TLS only (TLS ≥ 1.2, --tls-cert/--tls-key); every sender must present a certificate from --dicom-tls-ca' },
      'dicom-tls-ca': { type: 'string', arg: '<pem>', help: 'CA certificate(s) that DICOM TLS peers (senders, tls: destinations) must chain to' },
      'cors-origin': { type: 'string', multiple: true, arg: '<url>', help: 'Browser origin (scheme://host[:port], e.g. an OHIF viewer) allowed to call the API and DICOMweb by CORS (repeatable; default none)' },
      'web-dir': { type: 'string', arg: '<dir>', help: "Folder of the built browser viewer served at / (default the package's web/dist)" },
      'log-level': { type: 'string', arg: '<level>', help: 'debug, info, warn, error or silent (JSON lines on stderr; UIDs hashed)', default: 'info' },
      ...ENGINE_FLAGS,
    },
  },
  async run(args, io) {
    const file = getString(args, 'config');
    const fromFile = file ? readConfigFile(file) : {};
    const mib = (name: string): number | undefined => {
      const v = getNumber(args, name);
      return v === undefined ? undefined : Math.round(v * 2 ** 20);
    };
    const dicomPort = getInt(args, 'dicom-port', -1, 65535);
    const allow = getString(args, 'allow-ae');
    const forward = getStrings(args, 'forward-to');
    const tlsCert = getString(args, 'tls-cert');
    const tlsKey = getString(args, 'tls-key');
    const fromFlags: Partial<ServeConfig> = {
      dataDir: getString(args, 'data-dir'),
      tokenFile: getString(args, 'token-file'),
      httpPort: getInt(args, 'http-port', 0, 65535),
      dicomPort: dicomPort === undefined ? undefined : dicomPort < 0 ? null : dicomPort,
      aeTitle: getString(args, 'ae-title'),
      allowAe: allow === undefined ? undefined : allow.split(',').map((s) => s.trim()).filter(Boolean),
      forwardTo: forward.length ? forward.map(parseDestination) : undefined,
      stowTo: getStrings(args, 'stow-to').length ? getStrings(args, 'stow-to') : undefined,
      webhook: getString(args, 'webhook'),
      stableAgeS: getNumber(args, 'stable-age'),
      host: getString(args, 'host'),
      modelDir: getString(args, 'model'),
      uidRoot: getString(args, 'uid-root'),
      redisUrl: getString(args, 'redis'),
      pullFrom: getString(args, 'pull-from'),
      maxBodyBytes: mib('max-body-mb'),
      maxInstanceBytes: mib('max-instance-mb'),
      maxInstancesPerStudy: getInt(args, 'max-instances-per-study', 1),
      maxQueuedStudies: getInt(args, 'max-queued-studies', 1),
      retentionDays: getInt(args, 'retention-days', 0),
      tlsCert,
      tlsKey,
      dicomTls: getBool(args, 'dicom-tls') ? true : undefined,
      dicomTlsCa: getString(args, 'dicom-tls-ca'),
      corsOrigins: getStrings(args, 'cors-origin').length ? getStrings(args, 'cors-origin') : undefined,
      webDir: getString(args, 'web-dir'),
    } as Partial<ServeConfig>;
    const config = resolveConfig(fromFile, fromFlags, io.cwd);
    const level = getString(args, 'log-level') ?? 'info';
    if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) throw ichError('ICH_E_USAGE', `--log-level must be debug, info, warn, error or silent, got "${level}"`);
    const service = await startService(config, { logLevel: level as 'info', cwd: io.cwd, engine: parseEngineOptions(args) });
    io.stderr.write(`ichscan serve: ${config.tlsCert ? 'https' : 'http'}://${config.host}:${service.httpPort} (DICOM ${config.dicomPort === null ? 'off' : `${config.dicomTls ? 'TLS ' : ''}${config.aeTitle}@${config.host}:${config.dicomPort}`}), data in ${config.dataDir}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await service.close();
    return 0;
  },
};
