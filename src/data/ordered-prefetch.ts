/**
 * Runs jobs with at most `limit` in flight and yields their results in submission order. A new job
 * starts only when the consumer has taken a result (backpressure), so a slow consumer never piles
 * up finished work. Used by the header scan and by the loader.
 */
export async function* runInOrder<Req, Res>(requests: readonly Req[], run: (req: Req) => Promise<Res>, limit: number): AsyncGenerator<Res> {
  const queue: Promise<Res>[] = [];
  let next = 0;
  const fill = (): void => {
    while (queue.length < Math.max(1, limit) && next < requests.length) {
      const p = run(requests[next++] as Req);
      p.catch(() => undefined); // awaited in order below; never an unhandled rejection
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    const res = await (queue.shift() as Promise<Res>);
    fill();
    yield res;
  }
}
