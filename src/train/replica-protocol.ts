/** Messages between the trainer and its second replica (src/train/replica.ts, replica-worker.ts). */
import type { BackendName } from '../model/engine/index.js';
import type { LossName } from '../model/loss.js';

export interface ReplicaInit {
  /** serializeModel output: topology JSON and weight bytes. */
  modelJson: string;
  modelWeights: Uint8Array;
  backend: BackendName;
  loss: LossName;
}

export interface ReplicaRequest {
  /** All model weights (model.weights order) when they changed since the last request. */
  weights?: Float32Array[];
  x: Float32Array;
  shape: [number, number, number, number];
  /** n × 6 targets. */
  y: Float32Array;
  /** The loss (and so the gradient) is multiplied by this share of the step's images. */
  share: number;
}

export interface ReplicaReply {
  /** Weighted loss of the replica's images. */
  loss: number;
  /** Gradients in the model's trainableWeights order. */
  grads: Float32Array[];
}
