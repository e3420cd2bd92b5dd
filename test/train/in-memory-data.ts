/**
 * A test fixture (not a loader): a seeded, learnable toy task held in memory, behind the same
 * TrainingData interface the trainer reads from H-data's loader. Images are n×s×s×3 noise; a
 * bright disk marks `any`; on the left half it is also `subdural`, on the right `intraparenchymal`.
 */
import type { TrainingData } from '../../src/train/data.js';
import type { LoadedBatch } from '../../src/data/index.js';
import { asImageId, type ImageId } from '../../src/core/ids.js';
import { createRng, shuffleInPlace } from '../../src/core/random.js';

interface Item {
  x: Float32Array;
  y: Float32Array;
}

function makeItem(size: number, rng: ReturnType<typeof createRng>): Item {
  const x = new Float32Array(size * size * 3);
  for (let i = 0; i < x.length; i++) x[i] = 0.3 + 0.1 * rng.next();
  const y = new Float32Array(6);
  if (rng.chance(0.4)) {
    const left = rng.chance(0.5);
    const cx = left ? rng.uniform(0.15, 0.4) * size : rng.uniform(0.6, 0.85) * size;
    const cy = rng.uniform(0.2, 0.8) * size;
    const r = rng.uniform(0.08, 0.14) * size;
    for (let yy = 0; yy < size; yy++)
      for (let xx = 0; xx < size; xx++)
        if ((xx - cx) ** 2 + (yy - cy) ** 2 < r * r) for (let c = 0; c < 3; c++) x[(yy * size + xx) * 3 + c] = 0.9;
    y[5] = 1;
    y[left ? 4 : 1] = 1;
  }
  return { x, y };
}

export function createToyData(opts: { train: number; val: number; size: number; batch: number; seed: number }): TrainingData & { prior(): Float32Array; valTargets(): Float32Array } {
  const rng = createRng(opts.seed);
  const items = new Map<ImageId, Item>();
  const trainIds: ImageId[] = [];
  const valIds: ImageId[] = [];
  for (let i = 0; i < opts.train + opts.val; i++) {
    const id = asImageId(`ID_${i.toString(16).padStart(6, '0')}`);
    items.set(id, makeItem(opts.size, rng));
    (i < opts.train ? trainIds : valIds).push(id);
  }
  const s = opts.size;
  async function* batches(ids: readonly ImageId[]): AsyncGenerator<LoadedBatch> {
    for (let i = 0; i < ids.length; i += opts.batch) {
      const part = ids.slice(i, i + opts.batch);
      const x = new Float32Array(part.length * s * s * 3);
      const y = new Float32Array(part.length * 6);
      part.forEach((id, j) => {
        const it = items.get(id) as Item;
        x.set(it.x, j * s * s * 3);
        y.set(it.y, j * 6);
      });
      yield { x: { dtype: 'float32', data: x, shape: [part.length, s, s, 3] }, y, ids: part };
    }
  }
  const targetsOf = (ids: readonly ImageId[]): Float32Array => {
    const out = new Float32Array(ids.length * 6);
    ids.forEach((id, j) => out.set((items.get(id) as Item).y, j * 6));
    return out;
  };
  return {
    channels: 3,
    trainCount: trainIds.length,
    validationIds: valIds,
    epochIds: (epoch) => shuffleInPlace([...trainIds], createRng(opts.seed * 1000 + epoch)),
    trainBatches: (ids) => batches(ids),
    validationBatches: () => batches(valIds),
    plainBatches: (ids) => batches(ids),
    labelsOf: (ids) => new Map(ids.map((id) => [id, (items.get(id as ImageId) as Item).y])),
    async close() {},
    /** Training prevalence per label: the constant-prior prediction. */
    prior() {
      const t = targetsOf(trainIds);
      const p = new Float32Array(6);
      for (let i = 0; i < t.length; i++) p[i % 6] = (p[i % 6] as number) + (t[i] as number) / trainIds.length;
      return p;
    },
    valTargets: () => targetsOf(valIds),
  };
}
