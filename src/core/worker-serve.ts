/**
 * The worker side of worker-pool.ts: answers each request with the handler's result, transferring
 * the typed-array buffers the handler names. A handler error is sent back as a message (the job's
 * promise rejects) instead of killing the worker.
 */
import { parentPort, type Transferable } from 'node:worker_threads';
import type { PoolReply, PoolRequest } from './worker-pool.js';

export interface HandlerResult<Res> {
  res: Res;
  transfer?: Transferable[];
}

export function serveWorkerRequests<Req, Res>(handler: (req: Req) => Promise<HandlerResult<Res>> | HandlerResult<Res>): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorkerRequests must run inside a worker thread');
  port.on('message', (msg: PoolRequest<Req>) => {
    void (async () => {
      let reply: PoolReply<Res>;
      let transfer: Transferable[] = [];
      try {
        const out = await handler(msg.req);
        reply = { id: msg.id, ok: true, res: out.res };
        transfer = out.transfer ?? [];
      } catch (e) {
        reply = { id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      port.postMessage(reply, transfer);
    })();
  });
}
