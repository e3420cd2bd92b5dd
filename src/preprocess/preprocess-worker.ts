/**
 * Worker thread of the `preprocess` job: each request is a chunk of files, each answered with its
 * outcome (failures are data, not exceptions, so one bad file never costs the chunk).
 */
import { serveWorkerRequests } from '../core/worker-serve.js';
import { preprocessFileToCache, type CacheSettings, type FileOutcome } from './preprocess-file.js';

export interface PreprocessChunk {
  inputDir: string;
  outDir: string;
  rels: string[];
  settings: CacheSettings;
}

serveWorkerRequests<PreprocessChunk, FileOutcome[]>(async (chunk) => {
  const res: FileOutcome[] = [];
  for (const rel of chunk.rels) res.push(await preprocessFileToCache(chunk.inputDir, chunk.outDir, rel, chunk.settings));
  return { res };
});
