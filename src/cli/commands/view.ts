/**
 * `ichscan view <files|dirs…>`: look at studies in the browser viewer without a PACS. Starts the
 * service on 127.0.0.1 (HTTP only) with a one-run token, copies the files in through the
 * STOW/C-STORE path, scores them, prints the viewer URL (the token in its #fragment) and serves
 * until SIGINT/SIGTERM. Logic lives in src/serve (view-session.ts, ingest-files.ts).
 */
import type { Command, CliIo } from '../command.js';
import { getBool, getInt, getString } from '../args.js';
import { ichError } from '../../core/errors.js';
import { ingestFiles, listInputFiles, type IngestProgress } from '../../serve/ingest-files.js';
import { openViewSession, waitForScoring } from '../../serve/view-session.js';
import { warningsOf } from '../../serve/http/study-view.js';
import { ENGINE_FLAGS, parseEngineOptions } from './infer-flags.js';

/** Least time between two progress lines, ms. */
const PROGRESS_EVERY_MS = 1000;

function formatIngest(p: IngestProgress): string {
  const rate = p.elapsedMs > 0 ? (p.done / (p.elapsedMs / 1000)).toFixed(1) : '–';
  return `ichscan view: ${p.done}/${p.total} files in (${rate} files/s), ${p.stored} stored, ${p.refused} refused${p.ignored ? `, ${p.ignored} ichscan results skipped` : ''}`;
}

/** Resolves on the first SIGINT/SIGTERM; `stopped()` tells whether it came. */
function watchSignals(): { stopped: () => boolean; signal: Promise<void>; dispose: () => void } {
  let stop = false;
  let resolve: () => void = () => undefined;
  const signal = new Promise<void>((r) => (resolve = r));
  const on = (): void => {
    stop = true;
    resolve();
  };
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return { stopped: () => stop, signal, dispose: () => (process.off('SIGINT', on), process.off('SIGTERM', on)) };
}

export const viewCommand: Command = {
  spec: {
    name: 'view',
    summary: 'Score DICOM files and look at them in the browser viewer (127.0.0.1, no PACS needed)',
    usage: 'ichscan view <files|dirs…> [--port N] [--data-dir D] [--model M] [--json]',
    positionals: [{ name: '<files|dirs…>', help: 'DICOM files, or folders searched recursively (copied in; never moved or modified)', variadic: true }],
    flags: {
      port: { type: 'number', arg: '<n>', help: 'HTTP port on 127.0.0.1 (default 0 = any free port)' },
      'data-dir': { type: 'string', arg: '<dir>', help: 'Keep the copies, queue and results here (default: a new temp dir, removed on exit)' },
      model: { type: 'string', arg: '<dir|name>', help: 'Model folder or shipped model name (default default)' },
      json: { type: 'boolean', help: 'Print one JSON line {url, port, dataDir, studies: [{studyInstanceUid, status, flagged, anyProbability, error, warnings}]} once everything is scored (progress stays on stderr)' },
      ...ENGINE_FLAGS,
    },
  },
  async run(args, io: CliIo) {
    if (args.positionals.length === 0) throw ichError('ICH_E_USAGE', 'name at least one DICOM file or folder (see --help)');
    const files = listInputFiles(args.positionals, io.cwd);
    const json = getBool(args, 'json');
    const dataDir = getString(args, 'data-dir');
    const model = getString(args, 'model');
    const signals = watchSignals();
    const session = await openViewSession({ port: getInt(args, 'port', 0, 65535) ?? 0, cwd: io.cwd, engine: parseEngineOptions(args), ...(dataDir ? { dataDir } : {}), ...(model ? { modelDir: model } : {}) });
    try {
      io.stderr.write(`ichscan view: serving http://127.0.0.1:${session.port} (127.0.0.1 only), data in ${session.dataDir}; NOT FOR DIAGNOSTIC USE\n`);
      let lastLine = 0;
      const ingested = await ingestFiles(session.service.ctx, files, (p) => {
        if (p.done === p.total || Date.now() - lastLine >= PROGRESS_EVERY_MS) {
          lastLine = Date.now();
          io.stderr.write(`${formatIngest(p)}\n`);
        }
      }, signals.stopped);
      for (const [code, n] of Object.entries(ingested.refusals)) io.stderr.write(`ichscan view: ${n} file(s) refused: ${code}\n`);
      session.service.startJobs();
      const t0 = Date.now();
      const rows = await waitForScoring(session.service.ctx.store, ingested.studies, (done, total) => io.stderr.write(`ichscan view: ${done}/${total} studies scored (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`), signals.stopped);
      if (!signals.stopped()) {
        const studies = rows.map((r) => ({ studyInstanceUid: r.study_uid, status: r.status, flagged: r.flagged === null ? null : r.flagged === 1, anyProbability: r.any_probability, error: r.error_code, warnings: warningsOf(r) }));
        const warned = studies.filter((st) => st.warnings.length > 0).length;
        if (warned > 0) io.stderr.write(`ichscan view: ${warned} of ${studies.length} studies carry a warning (⚠ in the worklist; e.g. scored on a contrast-enhanced series)\n`);
        if (json) io.stdout.write(`${JSON.stringify({ url: session.url, port: session.port, dataDir: session.dataDir, studies })}\n`);
        else io.stdout.write(`Viewer: ${session.url}\n`);
        io.stderr.write('ichscan view: serving until Ctrl-C (SIGINT) or SIGTERM\n');
        await signals.signal;
      }
    } finally {
      signals.dispose();
      await session.close();
    }
    return 0;
  },
};
