/**
 * `npm run bench:index`: header-scan throughput of `ichscan index` (headers/s) over a few thousand
 * real 512×512 RSNA files: the 518 rsna-dev slices hard-linked under new Kaggle-style names
 * (×COPIES, no extra disk), so every path is a distinct file for the index. Files are in the page
 * cache (warm), as on a second pass over a dataset; a cold first pass is bound by the disk instead.
 * Prints one line per setting and a JSON summary. Target (issue 4): ≥ 5,000 headers/s on 2 cores.
 */
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { readDicomHeader } from '../src/dicom/index.js';
import { extractCtMeta } from '../src/dicom/header.js';
import { readFileStart } from '../src/data/read-file-start.js';
import { buildIndex } from '../src/data/index.js';
import { rsnaDevImagesDir, sharedDataDir } from '../test/helpers/shared-data.js';

const COPIES = Number(process.env['BENCH_COPIES'] ?? 8);

function makeTree(src: string, dst: string): number {
  const files = readdirSync(src).filter((f) => f.endsWith('.dcm'));
  let n = 0;
  for (let c = 0; c < COPIES; c++) {
    const sub = join(dst, `copy${c}`);
    mkdirSync(sub, { recursive: true });
    for (const f of files) {
      // ID_<hex> → ID_<copy><hex>: a distinct Kaggle-style image id per copy
      linkSync(join(src, f), join(sub, f.replace(/^ID_/, `ID_${c.toString(16)}`)));
      n++;
    }
  }
  return n;
}

async function main(): Promise<void> {
  const shared = sharedDataDir();
  if (!shared) {
    console.error('bench:index needs ../shared/data (rsna-dev) for real files; set ICHSCAN_SHARED_DATA');
    process.exitCode = 1;
    return;
  }
  const src = join(rsnaDevImagesDir(shared), 'images');
  const work = mkdtempSync(join(tmpdir(), 'ichscan-bench-index-'));
  try {
    const tree = join(work, 'tree');
    const n = makeTree(src, tree);
    const results: Record<string, number> = {};
    // Warm the page cache once (a whole-file read of every file, timed as the baseline).
    const files = readdirSync(tree).flatMap((d) => readdirSync(join(tree, d)).map((f) => join(tree, d, f)));
    let t = performance.now();
    for (const f of files) readDicomHeader(readFileSync(f), f);
    results['wholeFileReadParse1Thread'] = n / ((performance.now() - t) / 1000);
    console.log(`whole-file read + readDicomHeader, 1 thread, no DB: ${results['wholeFileReadParse1Thread'].toFixed(0)} headers/s`);
    // What a header parse that stops at Pixel Data would allow: 64 KiB read + dicom-parser untilTag + the
    // DICOM stage's own CtMeta extraction (readDicomHeader parses the whole file today).
    t = performance.now();
    for (const f of files) {
      const ds = dicomParser.parseDicom(readFileStart(f, 64 * 1024).data, { untilTag: 'x7fe00010' });
      extractCtMeta(ds, ds.string('x00020010') ?? '', f);
    }
    results['prefixUntilTag1Thread'] = n / ((performance.now() - t) / 1000);
    console.log(`64 KiB read + dicom-parser untilTag + extractCtMeta, 1 thread, no DB: ${results['prefixUntilTag1Thread'].toFixed(0)} headers/s`);
    for (const workers of [0, 1, 2, availableParallelism()].filter((w, i, a) => a.indexOf(w) === i)) {
      const db = join(work, `w${workers}.db`);
      t = performance.now();
      const cpu0 = process.cpuUsage();
      const r = await buildIndex({ dir: tree, db, workers, progress: false });
      const s = (performance.now() - t) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuUsPerFile = (cpu.user + cpu.system) / n;
      if (r.summary.images !== n) throw new Error(`indexed ${r.summary.images} of ${n}`);
      results[`index_workers${workers}`] = n / s;
      results[`cpuUsPerFile_workers${workers}`] = cpuUsPerFile;
      // CPU time per file (all threads) is robust to other load: 2 idle cores could do ~2e6 / it files/s.
      console.log(
        `ichscan index, workers ${workers}: ${n} files in ${s.toFixed(2)} s = ${(n / s).toFixed(0)} headers/s (walk, scan, SQLite, ordering); CPU ${cpuUsPerFile.toFixed(0)} µs/file (all threads)`,
      );
      if (workers === availableParallelism()) {
        t = performance.now();
        const again = await buildIndex({ dir: tree, db, workers, progress: false });
        results['rerunNoopSeconds'] = (performance.now() - t) / 1000;
        console.log(`re-run on the unchanged folder: scanned ${again.scanned}, ${results['rerunNoopSeconds'].toFixed(2)} s`);
      }
    }
    console.log(JSON.stringify({ bench: 'index', files: n, cores: availableParallelism(), ...results }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
