/**
 * A small pool of worker_threads running one module, used by the header scan and the loader.
 * `run(request)` resolves with that request's answer; jobs go to the first idle worker, and callers
 * that await in submission order get in-order delivery. Typed arrays can be transferred both ways.
 * The worker side is `serveWorkerRequests(handler)` in worker-serve.ts.
 */
import { Worker, type Transferable } from 'node:worker_threads';
import { ichError } from '../core/errors.js';

interface Pending<Res> {
  resolve(res: Res): void;
  reject(e: unknown): void;
}

interface Job<Req, Res> extends Pending<Res> {
  id: number;
  req: Req;
  transfer: readonly Transferable[];
}

/** Message shapes between pool and worker. */
export interface PoolRequest<Req> {
  id: number;
  req: Req;
}
export type PoolReply<Res> = { id: number; ok: true; res: Res } | { id: number; ok: false; error: string };

export interface WorkerPool<Req, Res> {
  run(req: Req, transfer?: readonly Transferable[]): Promise<Res>;
  /** Terminates the workers; pending jobs are rejected. */
  close(): Promise<void>;
  readonly size: number;
}

/**
 * Starts `size` workers on `script` (a compiled .js module URL), each given `workerData`.
 * A worker that crashes rejects its job and every queued job (the pool is then unusable).
 */
export function createWorkerPool<Req, Res>(script: URL, size: number, workerData?: unknown): WorkerPool<Req, Res> {
  if (!(size >= 1)) throw ichError('ICH_E_USAGE', `worker pool size must be ≥ 1, got ${size}`);
  const queue: Job<Req, Res>[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job<Req, Res>>();
  let nextId = 0;
  let failure: Error | undefined;
  let closed = false;

  const dispatch = (): void => {
    while (idle.length > 0 && queue.length > 0) {
      const w = idle.pop() as Worker;
      const job = queue.shift() as Job<Req, Res>;
      busy.set(w, job);
      const msg: PoolRequest<Req> = { id: job.id, req: job.req };
      w.postMessage(msg, job.transfer as Transferable[]);
    }
  };
  const fail = (e: Error): void => {
    failure ??= e;
    for (const job of busy.values()) job.reject(e);
    busy.clear();
    for (const job of queue.splice(0)) job.reject(e);
  };
  const workers: Worker[] = [];
  for (let i = 0; i < size; i++) {
    const w = new Worker(script, { workerData });
    w.on('message', (reply: PoolReply<Res>) => {
      const job = busy.get(w);
      busy.delete(w);
      idle.push(w);
      if (job) {
        if (reply.ok) job.resolve(reply.res);
        else job.reject(new Error(reply.error));
      }
      dispatch();
    });
    w.on('error', (e) => fail(ichError('ICH_E_INTERNAL', `worker crashed: ${e.message}`, { cause: e })));
    w.on('exit', (code) => {
      if (!closed) fail(ichError('ICH_E_INTERNAL', `worker exited with code ${code}`));
    });
    workers.push(w);
    idle.push(w);
  }
  return {
    size,
    run(req, transfer = []) {
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(ichError('ICH_E_INTERNAL', 'worker pool is closed'));
      return new Promise<Res>((resolve, reject) => {
        queue.push({ id: nextId++, req, transfer, resolve, reject });
        dispatch();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      fail(ichError('ICH_E_INTERNAL', 'worker pool closed'));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
