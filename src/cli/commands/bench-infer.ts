/**
 * `ichscan bench infer --model <name|dir> --size S --batch B --json`: ONNX Runtime throughput in
 * images/s and the latency of one 40-slice study from DICOM files to verdict.
 * `--model` is a model folder / shipped model, or a zoo architecture name (built untrained and
 * exported to ONNX on the fly). Without `--study`, a 40-slice synthetic study is generated first.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { getBool, getInt, getNumber, getString } from '../args.js';
import { ichError } from '../../core/errors.js';
import { resolveModelDir, readModelCard } from '../../model/card/model-card.js';
import { openScorer } from '../../infer/scorer.js';
import { measureStudyLatency, measureThroughput, removeTemp, writeBenchModelFolder } from '../../infer/bench-infer.js';
import { ENGINE_FLAGS, parseEngineOptions } from './infer-flags.js';

async function syntheticStudy(dir: string): Promise<string> {
  const { generateSynthDataset } = await import('../../synth/index.js');
  await generateSynthDataset({ studies: 1, slicesPerStudy: [40, 40], size: 512, seed: 40, prevalence: 1, out: dir });
  return join(dir, 'images');
}

async function exportArchitecture(name: string, size: number): Promise<Uint8Array> {
  const tf = await import('@tensorflow/tfjs');
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  const { buildModel, parseArchitectureName } = await import('../../model/architectures/index.js');
  const { exportLayersModelToOnnx } = await import('../../model/onnx/export.js');
  const arch = parseArchitectureName(name);
  const model = await buildModel(arch, { size, channels: 3, seed: 1 });
  const bytes = exportLayersModelToOnnx(model, { docString: `${arch} (untrained, benchmark)` });
  model.dispose();
  return bytes;
}

export const benchInferCommand: Command = {
  spec: {
    name: 'bench infer',
    summary: 'Inference throughput (img/s) and 40-slice study latency (DICOM → verdict)',
    usage: 'ichscan bench infer [--model <name|dir>] [--size S] [--batch B] [--study <dir>] [--repeats N] [--json]',
    flags: {
      model: { type: 'string', arg: '<name|dir>', help: 'Model folder, shipped model name, or zoo architecture (ichnet, inceptionv3, …)', default: 'default' },
      size: { type: 'number', arg: '<px>', help: "Input size for an architecture name (a model folder uses its card's size)", default: 256 },
      batch: { type: 'number', arg: '<n>', help: 'Images per inference call', default: 8 },
      seconds: { type: 'number', arg: '<s>', help: 'Minimum measuring time for the throughput', default: 5 },
      study: { type: 'string', arg: '<dir>', help: 'Folder with one study for the latency (default: a generated 40-slice synthetic study)' },
      repeats: { type: 'number', arg: '<n>', help: 'Timed latency runs (verdict and masks alternating) after one warm-up; the medians are reported', default: 3 },
      ...ENGINE_FLAGS,
      json: { type: 'boolean', help: 'Print {"model","size","batch","imgPerSec",…} as JSON' },
    },
  },
  async run(args, io) {
    const modelArg = getString(args, 'model') ?? 'default';
    const batch = getInt(args, 'batch', 1, 1024) ?? 8;
    const { threads, provider } = parseEngineOptions(args);
    const seconds = getNumber(args, 'seconds') ?? 5;
    const temps: string[] = [];
    try {
      let dir: string;
      let size: number;
      try {
        dir = resolveModelDir(modelArg, io.cwd);
        size = readModelCard(dir).inputSize;
      } catch (e) {
        if (!/^[a-z0-9-]+$/.test(modelArg)) throw e;
        size = getInt(args, 'size', 32, 2048) ?? 256;
        io.stderr.write(`building ${modelArg} at ${size} px (untrained) and exporting it to ONNX\n`);
        dir = writeBenchModelFolder(await exportArchitecture(modelArg, size), modelArg, size);
        temps.push(dir);
      }
      const card = readModelCard(dir);
      const scorer = await openScorer(dir, { threads, provider, batch, onStatus: (l) => io.stderr.write(`${l}\n`) });
      io.stderr.write(`throughput: ${card.architecture} @ ${size} px, batch ${batch}, ${scorer.engineName}\n`);
      const tp = await measureThroughput(scorer, batch, seconds);
      let studyDir = getString(args, 'study');
      if (studyDir === undefined) {
        const tmp = mkdtempSync(join(tmpdir(), 'ichscan-bench-study-'));
        temps.push(tmp);
        io.stderr.write('generating a 40-slice synthetic study for the latency\n');
        studyDir = await syntheticStudy(tmp);
      }
      if (!existsSync(studyDir)) throw ichError('ICH_E_FILE_NOT_FOUND', 'study folder', { file: studyDir });
      await measureStudyLatency(scorer, studyDir, true); // warm-up run (page cache, codecs, sessions)
      // the median of `repeats` runs each, alternating (one run on a shared 2-core machine swings ±20 %)
      const repeats = getInt(args, 'repeats', 1, 50) ?? 3;
      const runs: { verdict: number; masks: number }[] = [];
      let slices = 0;
      for (let r = 0; r < repeats; r++) {
        const a = await measureStudyLatency(scorer, studyDir);
        const b = await measureStudyLatency(scorer, studyDir, true);
        slices = a.slices;
        runs.push({ verdict: a.seconds, masks: b.seconds });
      }
      const median = (xs: number[]): number => {
        const s = [...xs].sort((x, y) => x - y);
        return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
      };
      const lat = { slices, seconds: median(runs.map((r) => r.verdict)) };
      const latMasks = { seconds: median(runs.map((r) => r.masks)) };
      await scorer.dispose();
      const result = {
        model: modelArg,
        size,
        batch,
        imgPerSec: Number(tp.imgPerSec.toFixed(2)),
        engine: scorer.engineName,
        threads,
        studySlices: lat.slices,
        studyLatencySeconds: Number(lat.seconds.toFixed(3)),
        /** The same study with per-slice masks, volume and key images (predict's default). */
        studyWithMasksSeconds: Number(latMasks.seconds.toFixed(3)),
        /** Every timed run, seconds (the two figures above are their medians). */
        studyRuns: runs.map((r) => ({ verdict: Number(r.verdict.toFixed(3)), masks: Number(r.masks.toFixed(3)) })),
      };
      if (getBool(args, 'json')) io.stdout.write(`${JSON.stringify(result)}\n`);
      else io.stdout.write(`${result.model} @ ${size} px, batch ${batch}: ${result.imgPerSec} img/s (${result.engine}); ${lat.slices}-slice study DICOM → verdict: ${result.studyLatencySeconds} s, with masks and volume: ${result.studyWithMasksSeconds} s (medians of ${repeats})\n`);
      return 0;
    } finally {
      for (const t of temps) removeTemp(t);
    }
  },
};
