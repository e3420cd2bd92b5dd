/**
 * Progress for long jobs: count, rate, ETA. Writes to a stream (stderr by default), redrawing one
 * line on a TTY and printing a line at most every `intervalMs` otherwise, so logs stay readable.
 */
export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: string;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Minimum ms between non-TTY lines (default 5000) and TTY redraws (100). */
  intervalMs?: number;
  /** Extra text after the counters, e.g. the current loss. */
  extra?: () => string;
  silent?: boolean;
}

export interface Progress {
  tick(n?: number): void;
  /** Count already done before this run (resume): shown but excluded from the rate. */
  setDone(n: number): void;
  setTotal(total: number): void;
  finish(): void;
  readonly count: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const interval = opts.intervalMs ?? (tty ? 100 : 5000);
  const unit = opts.unit ?? 'files';
  const start = Date.now();
  let total = opts.total;
  let count = 0;
  let base = 0;
  let last = 0;
  const render = (final: boolean): void => {
    if (opts.silent) return;
    const elapsed = (Date.now() - start) / 1000;
    const rate = elapsed > 0 ? (count - base) / elapsed : 0;
    const remaining = total !== undefined && rate > 0 ? (total - count) / rate : NaN;
    const pct = total ? ` ${((100 * count) / total).toFixed(1)}%` : '';
    const extra = opts.extra ? ` ${opts.extra()}` : '';
    const line = `${opts.label}: ${count}${total !== undefined ? `/${total}` : ''}${pct} ${rate.toFixed(1)} ${unit}/s ${final ? `done in ${formatDuration(elapsed)}` : `ETA ${formatDuration(remaining)}`}${extra}`;
    stream.write(tty ? `\r\x1b[K${line}${final ? '\n' : ''}` : `${line}\n`);
  };
  return {
    tick(n = 1) {
      count += n;
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        render(false);
      }
    },
    setDone(n) {
      count = n;
      base = n;
    },
    setTotal(t) {
      total = t;
    },
    finish() {
      render(true);
    },
    get count() {
      return count;
    },
  };
}
