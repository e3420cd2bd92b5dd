/**
 * Worker of bench/preprocess.bench.ts: runs the one-core loop (read + parse + preprocessDecoded)
 * over the files it is given and answers with the elapsed milliseconds, so the main thread can time
 * all cores at once. A first request warms the JIT and the lookup tables.
 */
import { serveWorkerRequests } from '../src/core/worker-serve.js';
import { preprocessFiles } from './preprocess-loop.js';

serveWorkerRequests<{ files: string[] }, number>((req) => {
  const t = performance.now();
  preprocessFiles(req.files);
  return { res: performance.now() - t };
});
