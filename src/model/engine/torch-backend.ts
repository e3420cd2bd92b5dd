/**
 * The `torch` tfjs backend: a KernelBackend whose tensor data live in libtorch (ATen) memory,
 * held by the addon under integer handles. tfjs' engine tracks tensors and reference counts
 * through this storage; when the last tensor of a data id is disposed, `disposeData` frees the
 * ATen tensor at once (no garbage-collector delay), so memory follows tf.tidy / dispose exactly.
 * Kernels (torch-kernels-*.ts) read their inputs' handles and register their outputs here.
 */
import * as tf from '@tensorflow/tfjs';
import { ichError } from '../../core/errors.js';
import type { DtypeCode, Handle, TorchAddon } from './torch-addon.js';
import { ConvPackCache } from './torch-conv-pack.js';

interface TorchData {
  handle: Handle;
  refCount: number;
  dtype: tf.DataType;
  /** Element count (for reads). */
  size: number;
}

/** tfjs dtype → addon dtype code; string and complex64 tensors are not supported. */
export function dtypeCode(dtype: tf.DataType): DtypeCode {
  switch (dtype) {
    case 'float32':
      return 0;
    case 'int32':
      return 1;
    case 'bool':
      return 2;
    default:
      throw ichError('ICH_E_TORCH_KERNEL', `dtype ${dtype} is not supported by the torch backend`);
  }
}

function typedArrayFor(dtype: tf.DataType, size: number): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  return new Uint8Array(size);
}

function asTyped(values: tf.BackendValues, dtype: tf.DataType): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'float32') return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  if (dtype === 'int32') return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
  if (dtype === 'bool') return values instanceof Uint8Array ? values : Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
  throw ichError('ICH_E_TORCH_KERNEL', `dtype ${dtype} is not supported by the torch backend`);
}

export class TorchBackend extends tf.KernelBackend {
  private readonly data: tf.DataStorage<TorchData>;
  /** Prepacked inference convolutions, freed with the filter/bias data ids they were made from. */
  readonly convPacks: ConvPackCache;

  constructor(readonly addon: TorchAddon) {
    super();
    this.convPacks = new ConvPackCache(addon);
    this.data = new tf.DataStorage(this, tf.engine());
  }

  /** The addon handle of a kernel input. */
  handle(t: tf.TensorInfo): Handle {
    return this.data.get(t.dataId).handle;
  }

  /** Registers a fresh addon handle as a kernel output (shape read from ATen unless given). */
  output(handle: Handle, dtype: tf.DataType, shape?: number[]): tf.TensorInfo {
    const s = shape ?? this.addon.shape(handle);
    const dataId = {};
    this.data.set(dataId, { handle, refCount: 1, dtype, size: tf.util.sizeFromShape(s) });
    return { dataId, shape: s, dtype };
  }

  private upload(values: tf.BackendValues, shape: number[], dtype: tf.DataType): Handle {
    return this.addon.fromBuffer(asTyped(values, dtype), shape, dtypeCode(dtype));
  }

  override write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    const dataId = {};
    this.data.set(dataId, { handle: this.upload(values, shape, dtype), refCount: 1, dtype, size: tf.util.sizeFromShape(shape) });
    return dataId;
  }

  override move(dataId: tf.DataId, values: tf.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.convPacks.drop(dataId);
    this.data.set(dataId, { handle: this.upload(values, shape, dtype), refCount, dtype, size: tf.util.sizeFromShape(shape) });
  }

  override readSync(dataId: tf.DataId): tf.BackendValues {
    const d = this.data.get(dataId);
    const out = typedArrayFor(d.dtype, d.size);
    this.addon.toBuffer(d.handle, out);
    return out;
  }

  override read(dataId: tf.DataId): Promise<tf.BackendValues> {
    return Promise.resolve(this.readSync(dataId));
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const d = this.data.get(dataId);
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    this.convPacks.drop(dataId);
    this.addon.free(d.handle);
    this.data.delete(dataId);
    return true;
  }

  override refCount(dataId: tf.DataId): number {
    return this.data.has(dataId) ? this.data.get(dataId).refCount : 0;
  }

  override incRef(dataId: tf.DataId): void {
    this.data.get(dataId).refCount++;
  }

  override numDataIds(): number {
    return this.data.numDataIds();
  }

  override memory(): { unreliable: boolean; reasons: string[] } {
    return { unreliable: true, reasons: ['tensor bytes live in libtorch memory; tf.memory().numBytes counts what tfjs created'] };
  }

  override timerAvailable(): boolean {
    return true;
  }

  override async time(f: () => void): Promise<tf.BackendTimingInfo> {
    const t0 = performance.now();
    f();
    return { kernelMs: performance.now() - t0 };
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override dispose(): void {
    // Tensors are freed one by one through disposeData; the packs go here.
    this.convPacks.clear();
  }
}
