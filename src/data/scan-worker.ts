/**
 * Header-scan worker: receives a chunk of files (paths relative to `root`) and returns one
 * ScanResult per file, in order. Started by build-index.ts through the worker pool.
 */
import { join } from 'node:path';
import { scanHeaderFile, type ScanResult } from './scan-header.js';
import { serveWorkerRequests } from '../core/worker-serve.js';

export interface ScanChunk {
  root: string;
  paths: string[];
}

serveWorkerRequests<ScanChunk, ScanResult[]>((chunk) => ({
  res: chunk.paths.map((p) => scanHeaderFile(join(chunk.root, p), p)),
}));
