/**
 * The second training replica, on a worker thread with its own wasm instance: it holds a copy of
 * the model, takes the trainer's current weights with each step, and returns the gradients of its
 * half of the batch. The trainer averages them with its own half and applies one optimizer step.
 */
import { workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { serveWorkerRequests } from '../core/worker-serve.js';
import { initBackend } from '../model/engine/index.js';
import { lossByName } from '../model/loss.js';
import { deserializeModel } from './model-io.js';
import type { ReplicaInit, ReplicaReply, ReplicaRequest } from './replica-protocol.js';
import { trainableVariables } from './step.js';

const init = workerData as ReplicaInit;
const ready = (async () => {
  await initBackend(init.backend);
  return deserializeModel(init.modelJson, init.modelWeights);
})();
const lossFn = lossByName(init.loss);

serveWorkerRequests<ReplicaRequest, ReplicaReply>(async (req) => {
  const model = await ready;
  if (req.weights) {
    const tensors = req.weights.map((w, i) => tf.tensor(w, (model.weights[i]?.shape ?? [w.length]) as number[]));
    model.setWeights(tensors);
    tf.dispose(tensors);
  }
  const vars = trainableVariables(model);
  const { value, grads } = tf.variableGrads(() => {
    const x = tf.tensor4d(req.x, req.shape);
    const y = tf.tensor2d(req.y, [req.shape[0], req.y.length / req.shape[0]]);
    return tf.mul(lossFn(y, model.apply(x, { training: true }) as tf.Tensor), req.share) as tf.Scalar;
  }, vars);
  const out = vars.map((v) => {
    const g = grads[v.name];
    return g ? Float32Array.from(g.dataSync()) : new Float32Array(v.size);
  });
  const loss = value.dataSync()[0] ?? NaN;
  value.dispose();
  tf.dispose(Object.values(grads));
  return { res: { loss, grads: out }, transfer: out.map((g) => g.buffer) };
});
