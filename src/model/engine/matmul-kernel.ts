/**
 * A BatchMatMul wrapper for the wasm backend that picks the cheaper of two equal forms of a
 * matrix product. Measured on one wasm thread (simple-cnn's Dense 246016 → 64 at batch 16):
 * tfjs-backend-wasm 4.22 runs `transposeA` / `transposeB` products on a slow path (x^T·dy 280 ms,
 * dy·W^T 225 ms) and packs its right-hand operand for XNNPACK on every call with a tensor it has
 * not seen (x·W with a W fresh from the optimizer: ~250 ms, against 35 ms with W already packed).
 * A training step has exactly those three products per Dense layer, with a new W every step.
 *
 * With A' = op(a) [M, K] and B' = op(b) [K, N], C = A'·B' is computed either as
 * - form 1: A'·B' (explicit transposes where flagged; the backend packs B', K·N values), or
 * - form 2: (B'^T·A'^T)^T (the backend packs A'^T, K·M values; one M·N transpose after),
 * by a cost model in "values touched" (packing ≈ 3 transposes per value, measured above). A plain
 * product whose right operand was already used as one (inference: constant weights, packed and
 * cached by the backend) always goes to the backend's own kernel. Small products (< 64 Ki values)
 * too: there the extra ops' overhead would dominate. Checked against `cpu` in test/model/engine.
 */
import * as tf from '@tensorflow/tfjs';

type KernelParams = Parameters<tf.KernelFunc>[0];

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Below this many values in the larger operand the backend's kernel is used as is. */
const MIN_REWRITE_VALUES = 1 << 16;
/** Cost of packing one value for XNNPACK, in units of one transposed value (measured ≈ 3). */
const PACK_COST = 3;

/** Right-hand operands already seen in a plain product: the backend has them packed and cached. */
const seenRightOperands = new WeakSet<object>();
/** > 0 while a rewritten form runs: its inner products go straight to the backend. */
let rewriteDepth = 0;

function asTensor(info: tf.TensorInfo | undefined, name: string): tf.Tensor {
  if (info === undefined) throw new Error(`BatchMatMul: input ${name} missing`);
  if (info instanceof tf.Tensor) return info;
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Swaps the last two axes. */
function transposeLast(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return tf.transpose(t, perm);
}

export type MatMulPlan = 'backend' | 'form1' | 'form2';

/**
 * Which form computes op(a)·op(b) cheapest. m, k, n: the product's sizes; `packedB`: the backend
 * holds b packed already (plain products only).
 */
export function planMatMul(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, packedB: boolean): MatMulPlan {
  if (Math.max(m * k, k * n) < MIN_REWRITE_VALUES) return 'backend';
  if (!transposeA && !transposeB && packedB) return 'backend';
  const form1 = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + PACK_COST * k * n;
  const form2 = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + PACK_COST * m * k + m * n;
  if (form2 < form1) return 'form2';
  return transposeA || transposeB ? 'form1' : 'backend';
}

/** The BatchMatMul kernel config for `backendName`, delegating to `original` (the backend's own). */
export function matMulKernelConfig(backendName: string, original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName,
    // The backend's setup binds its wasm function; keep it.
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (p: KernelParams) => {
      const { transposeA, transposeB } = p.attrs as unknown as MatMulAttrs;
      const ai = p.inputs['a'];
      const bi = p.inputs['b'];
      if (rewriteDepth > 0 || ai === undefined || bi === undefined || ai.shape.length < 2 || bi.shape.length < 2) return original.kernelFunc(p);
      const ra = ai.shape.length;
      const rb = bi.shape.length;
      const batchA = ai.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      const batchB = bi.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      // Broadcast batches (different batch shapes) stay with the backend.
      if (ra !== rb || batchA !== batchB || ai.shape.slice(0, -2).some((d, i) => d !== bi.shape[i])) return original.kernelFunc(p);
      const m = ai.shape[transposeA ? ra - 1 : ra - 2] as number;
      const k = ai.shape[transposeA ? ra - 2 : ra - 1] as number;
      const n = bi.shape[transposeB ? rb - 2 : rb - 1] as number;
      const plain = !transposeA && !transposeB;
      const plan = planMatMul(m, k, n, transposeA, transposeB, plain && seenRightOperands.has(bi.dataId));
      if (plain) seenRightOperands.add(bi.dataId);
      if (plan === 'backend') return original.kernelFunc(p);
      const a = asTensor(ai, 'a');
      const b = asTensor(bi, 'b');
      rewriteDepth++;
      try {
        return tf.tidy(() => {
          if (plan === 'form1') return tf.matMul(transposeA ? transposeLast(a) : a, transposeB ? transposeLast(b) : b);
          // B'^T is b itself when transposeB, A'^T is a itself when transposeA.
          const bt = transposeB ? b : transposeLast(b);
          const at = transposeA ? a : transposeLast(a);
          return transposeLast(tf.matMul(bt, at));
        });
      } finally {
        rewriteDepth--;
      }
    },
  };
}
