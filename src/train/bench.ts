/**
 * Training throughput benchmark: full training steps (every layer trainable — frozen options off —
 * Adam, the Kaggle loss) on seeded random data, timed after one warm-up step. GFLOP per image
 * counts forward conv + dense multiply-adds × 2 (the convention of the measured-facts table).
 * peakRssMb samples the main process only (a replica worker's wasm heap is inside it: same process).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/random.js';
import { buildModel, countMultiplyAdds, type ArchitectureName } from '../model/architectures/index.js';
import { kaggleWeightedLogLoss } from '../model/loss.js';
import { trainStep, type MicroBatch } from './step.js';
import { startReplica } from './replica.js';
import type { BackendName } from '../model/engine/index.js';

export interface BenchTrainOptions {
  model: ArchitectureName;
  size: number;
  batch: number;
  steps: number;
  channels: number;
  seed: number;
  /** 2 = split each batch with a second replica on a worker thread. */
  replicas?: 1 | 2;
}

export interface BenchTrainResult {
  model: string;
  size: number;
  batch: number;
  imgPerSec: number;
  gflopsPerImage: number;
  peakRssMb: number;
  /** Seconds per step (median of the timed steps). */
  stepSeconds: number;
  backend: string;
  replicas: number;
}

export async function benchTrain(o: BenchTrainOptions): Promise<BenchTrainResult> {
  // `inceptionv3-frozen` is benchmarked as `inceptionv3`: every layer trains.
  const name: ArchitectureName = o.model === 'inceptionv3-frozen' ? 'inceptionv3' : o.model;
  const model = await buildModel(name, { size: o.size, channels: o.channels, seed: o.seed });
  model.layers.forEach((l) => (l.trainable = true));
  const rng = createRng(o.seed);
  const batch: MicroBatch = {
    x: { dtype: 'float32', data: Float32Array.from({ length: o.batch * o.size * o.size * o.channels }, () => rng.next()), shape: [o.batch, o.size, o.size, o.channels] },
    y: Float32Array.from({ length: o.batch * 6 }, () => (rng.chance(0.2) ? 1 : 0)),
  };
  const optimizer = tf.train.adam(1e-4);
  const replica = o.replicas === 2 ? await startReplica(model, tf.getBackend() as BackendName, 'kaggle') : undefined;
  const step = async (): Promise<void> => {
    if (replica) await replica.step(model, optimizer, kaggleWeightedLogLoss, [batch]);
    else trainStep(model, optimizer, kaggleWeightedLogLoss, [batch]);
  };
  try {
    let peakRss = process.memoryUsage().rss;
    await step(); // warm-up: kernels, XNNPACK operator caches
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const times: number[] = [];
    for (let s = 0; s < o.steps; s++) {
      const t0 = performance.now();
      await step();
      times.push((performance.now() - t0) / 1000);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const total = times.reduce((a, b) => a + b, 0);
    const sorted = [...times].sort((a, b) => a - b);
    const result: BenchTrainResult = {
      model: o.model,
      size: o.size,
      batch: o.batch,
      imgPerSec: (o.batch * o.steps) / total,
      gflopsPerImage: (2 * countMultiplyAdds(model)) / 1e9,
      peakRssMb: peakRss / 2 ** 20,
      stepSeconds: sorted[Math.floor(sorted.length / 2)] ?? NaN,
      backend: tf.getBackend(),
      replicas: replica ? 2 : 1,
    };
    return result;
  } finally {
    // A failing step (e.g. out of wasm memory) must not leave the replica thread keeping the process alive.
    await replica?.close();
    model.dispose();
    optimizer.dispose();
  }
}
