/**
 * An opt-in per-kernel wall-time profile of the torch backend (ICHSCAN_TORCH_PROFILE=1): kernel
 * name → calls and total milliseconds spent inside the backend's kernel function (attribute
 * resolution, N-API crossing, the ATen op, output registration). Time between kernels (tfjs'
 * engine: tape, tensor tracking, gradient bookkeeping) is the step's wall time minus the sum.
 * Off by default: then torchKernel does not wrap at all (no timer calls per kernel).
 */
export const torchProfileEnabled = process.env.ICHSCAN_TORCH_PROFILE === '1';

interface Entry {
  calls: number;
  ms: number;
}

const table = new Map<string, Entry>();

/** Adds one call of `kernel` taking `ms` milliseconds. */
export function recordKernel(kernel: string, ms: number): void {
  const e = table.get(kernel);
  if (e) {
    e.calls++;
    e.ms += ms;
  } else {
    table.set(kernel, { calls: 1, ms });
  }
}

/** Profile key: the kernel name, refined for convolutions by filter size and stride ("Conv2D 3x3/s2"). */
export function profileKey(kernel: string, inputs: Record<string, { shape: number[] } | undefined>, attrs: Record<string, unknown> | undefined): string {
  if (!kernel.includes('Conv2D') && !kernel.includes('Conv2d')) return kernel;
  const f = (attrs?.filterShape as number[] | undefined) ?? inputs.filter?.shape;
  const s = attrs?.strides;
  const stride = Array.isArray(s) ? s[0] : s;
  return f ? `${kernel} ${f[0]}x${f[1]}/s${String(stride)}` : kernel;
}

export function resetTorchProfile(): void {
  table.clear();
}

/** Entries sorted by total time, descending. */
export function torchProfile(): { kernel: string; calls: number; ms: number }[] {
  return [...table.entries()].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.ms - a.ms);
}
