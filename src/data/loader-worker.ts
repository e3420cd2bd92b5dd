/** Loader worker: runs one batch job (loader-job.ts) and transfers the batch buffers back. */
import { processLoadJob, type LoadJob, type LoadJobResult } from './loader-job.js';
import { serveWorkerRequests } from '../core/worker-serve.js';

serveWorkerRequests<LoadJob, LoadJobResult>(async (job) => {
  const res = await processLoadJob(job);
  return { res, transfer: [res.x.buffer as ArrayBuffer, res.y.buffer as ArrayBuffer] };
});
