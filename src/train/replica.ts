/**
 * Data-parallel training on two cores: a second replica (replica-worker.ts) computes the gradient
 * of half of each micro-batch while the main thread computes the other half; the two are summed
 * (each weighted by its share of the step's images) and applied once, so a step equals the
 * single-replica step except that each replica's batch normalisation sees only its half (as in
 * data-parallel training without synchronised batch norm). Moving BatchNorm statistics come from
 * the main replica's half; the replica receives all weights (statistics included) before each step.
 */
import * as tf from '@tensorflow/tfjs';
import { createWorkerPool, type WorkerPool } from '../core/worker-pool.js';
import type { BackendName } from '../model/engine/index.js';
import type { LossName } from '../model/loss.js';
import { serializeModel } from './model-io.js';
import type { ReplicaInit, ReplicaReply, ReplicaRequest } from './replica-protocol.js';
import { trainableVariables, type LossFn, type MicroBatch } from './step.js';

export interface Replica {
  step(model: tf.LayersModel, optimizer: tf.Optimizer, lossFn: LossFn, micro: readonly MicroBatch[]): Promise<number>;
  close(): Promise<void>;
}

function rows(m: MicroBatch, from: number, to: number): MicroBatch {
  const [, h, w, c] = m.x.shape;
  const px = h * w * c;
  const k = m.y.length / m.x.shape[0];
  return { x: { dtype: 'float32', data: m.x.data.slice(from * px, to * px), shape: [to - from, h, w, c] }, y: m.y.slice(from * k, to * k) };
}

/** Starts the replica with a copy of `model` (weights are refreshed at every step anyway). */
export async function startReplica(model: tf.LayersModel, backend: BackendName, loss: LossName): Promise<Replica> {
  const { json, weights } = await serializeModel(model);
  const init: ReplicaInit = { modelJson: json, modelWeights: weights, backend, loss };
  const pool: WorkerPool<ReplicaRequest, ReplicaReply> = createWorkerPool(new URL('./replica-worker.js', import.meta.url), 1, init);
  return {
    async step(model, optimizer, lossFn, micro) {
      const vars = trainableVariables(model);
      const total = micro.reduce((a, m) => a + m.x.shape[0], 0);
      const sums: (tf.Tensor | undefined)[] = vars.map(() => undefined);
      const add = (i: number, g: tf.Tensor): void => {
        const prev = sums[i];
        sums[i] = prev ? tf.add(prev, g) : tf.clone(g);
        prev?.dispose();
      };
      let lossSum = 0;
      let weightsSent = false;
      for (const m of micro) {
        const n = m.x.shape[0];
        const half = Math.floor(n / 2);
        let remote: Promise<ReplicaReply> | undefined;
        if (half > 0) {
          const b = rows(m, n - half, n);
          const req: ReplicaRequest = { x: b.x.data, shape: [...b.x.shape], y: b.y, share: half / total };
          const transfer: ArrayBuffer[] = [b.x.data.buffer as ArrayBuffer, b.y.buffer as ArrayBuffer];
          if (!weightsSent) {
            req.weights = model.weights.map((w) => Float32Array.from(w.read().dataSync()));
            transfer.push(...req.weights.map((w) => w.buffer as ArrayBuffer));
            weightsSent = true;
          }
          remote = pool.run(req, transfer);
        }
        const a = half > 0 ? rows(m, 0, n - half) : m;
        const local = tf.variableGrads(() => {
          const x = tf.tensor4d(a.x.data, [...a.x.shape]);
          const y = tf.tensor2d(a.y, [a.x.shape[0], a.y.length / a.x.shape[0]]);
          return tf.mul(lossFn(y, model.apply(x, { training: true }) as tf.Tensor), a.x.shape[0] / total) as tf.Scalar;
        }, vars);
        lossSum += local.value.dataSync()[0] ?? NaN;
        vars.forEach((v, i) => {
          const g = local.grads[v.name];
          if (g) add(i, g);
        });
        local.value.dispose();
        tf.dispose(Object.values(local.grads));
        if (remote) {
          const r = await remote;
          lossSum += r.loss;
          r.grads.forEach((g, i) => {
            const t = tf.tensor(g, vars[i]?.shape);
            add(i, t);
            t.dispose();
          });
        }
      }
      const named: tf.NamedTensorMap = {};
      vars.forEach((v, i) => {
        const s = sums[i];
        if (s) named[v.name] = s;
      });
      optimizer.applyGradients(named);
      tf.dispose(Object.values(named));
      return lossSum;
    },
    close: () => pool.close(),
  };
}
