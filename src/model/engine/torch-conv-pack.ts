/**
 * Prepacked inference convolutions (native/torch/conv-pack.cpp): oneDNN's weight, already reordered
 * into its blocked layout for one input shape, with the bias and an optional ReLU fused, made once
 * and reused by every later forward pass — instead of at::convolution reordering the dense weight
 * on each call. Used only where no gradient is being recorded (tfjs' tape is off: inference, or a
 * validation pass), never for training's forward, so training always sees the current weights.
 *
 * Staleness: a tfjs data id's values never change (a Variable's assign gives it a new data id), so a
 * pack is keyed by the data ids of its filter and bias plus the geometry and input shape; the backend
 * calls `drop` when a data id's ATen tensor is freed (last dispose) or replaced (`move`), which frees
 * every pack made from it. Data ids are numbered here (addon handles are reused after a free, data
 * ids' numbers are not).
 * ICHSCAN_TORCH_PREPACK=0 turns it off (A/B benchmarks); `=spatial` keeps 1×1 convolutions on the
 * GEMM path.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TorchAddon } from './torch-addon.js';

export type PrepackMode = 'all' | 'spatial' | 'off';

export function prepackMode(env: string | undefined = process.env.ICHSCAN_TORCH_PREPACK): PrepackMode {
  if (env === '0' || env === 'off') return 'off';
  if (env === 'spatial') return 'spatial';
  return 'all';
}

/** One convolution's constant description: geometry in pixels, input shape NHWC. */
export interface PackSpec {
  strides: number[];
  /** [top, bottom, left, right]; packs need top = bottom and left = right. */
  pads: number[];
  dilations: number[];
  xShape: number[];
  filterShape: number[];
  activation: string;
}

interface Pack {
  id: number;
  /** The data ids it was made from (filter, bias?), whose `drop` frees it. */
  deps: tf.DataId[];
}

export class ConvPackCache {
  private readonly serials = new WeakMap<tf.DataId, number>();
  private nextSerial = 1;
  private readonly packs = new Map<string, Pack>();
  /** data id → keys of the packs made from it. */
  private readonly users = new WeakMap<tf.DataId, Set<string>>();

  constructor(
    private readonly addon: TorchAddon,
    /** Settable (tests and A/B benchmarks switch it within one process). */
    public mode: PrepackMode = prepackMode(),
  ) {}

  /** Whether a convolution of this shape and activation can run from a pack. */
  eligible(spec: PackSpec, depthwise: boolean, prelu: boolean): boolean {
    if (this.mode === 'off' || depthwise || prelu) return false;
    if (spec.activation !== 'linear' && spec.activation !== 'relu') return false;
    const [t, b, l, r] = spec.pads;
    if (t !== b || l !== r) return false;
    const pointwise = spec.filterShape[0] === 1 && spec.filterShape[1] === 1 && spec.strides.every((s) => s === 1) && t === 0 && l === 0;
    return !(pointwise && this.mode === 'spatial');
  }

  /**
   * The pack for `filter`/`bias` (handles of those data ids) with `spec`, made on first use; undefined
   * when this libtorch cannot pack (built without oneDNN): packs are then off for good, with one warning,
   * and the caller runs the unpacked convolution.
   */
  get(filter: tf.DataId, filterHandle: number, bias: tf.DataId | undefined, biasHandle: number | undefined, spec: PackSpec): number | undefined {
    const key = [this.serial(filter), bias ? this.serial(bias) : 0, spec.strides, spec.pads, spec.dilations, spec.xShape, spec.activation].join('/');
    const had = this.packs.get(key);
    if (had) return had.id;
    const [t, , l] = spec.pads as [number, number, number, number];
    let id: number;
    try {
      id = this.addon.convPrepack(filterHandle, biasHandle, spec.strides, [t, l], spec.dilations, spec.xShape, spec.activation);
    } catch (e) {
      this.mode = 'off';
      process.emitWarning(`torch: prepacked convolutions are off (${e instanceof Error ? e.message : String(e)}); convolutions run unpacked`);
      return undefined;
    }
    const deps = bias ? [filter, bias] : [filter];
    this.packs.set(key, { id, deps });
    for (const d of deps) {
      let keys = this.users.get(d);
      if (!keys) this.users.set(d, (keys = new Set()));
      keys.add(key);
    }
    return id;
  }

  /** Frees every pack made from `dataId` (its tensor is being freed or replaced). */
  drop(dataId: tf.DataId): void {
    const keys = this.users.get(dataId);
    this.serials.delete(dataId);
    if (!keys) return;
    this.users.delete(dataId);
    for (const key of keys) {
      const p = this.packs.get(key);
      if (!p) continue;
      this.packs.delete(key);
      this.addon.convPackFree(p.id);
      for (const d of p.deps) if (d !== dataId) this.users.get(d)?.delete(key);
    }
  }

  /** Frees all packs (backend disposal). */
  clear(): void {
    for (const p of this.packs.values()) this.addon.convPackFree(p.id);
    this.packs.clear();
  }

  get size(): number {
    return this.packs.size;
  }

  private serial(d: tf.DataId): number {
    let s = this.serials.get(d);
    if (s === undefined) this.serials.set(d, (s = this.nextSerial++));
    return s;
  }
}
