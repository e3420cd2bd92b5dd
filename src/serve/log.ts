/**
 * The service's log: one JSON line per event on stderr (pino-compatible shape, as fastify logs).
 * Callers pass hashed UIDs only (phi.ts) — never names, IDs or UIDs in clear.
 */
export interface ServeLog {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
export type LogLevel = keyof typeof LEVELS | 'silent';

export function createServeLog(level: LogLevel, stream: NodeJS.WritableStream = process.stderr): ServeLog {
  const min = level === 'silent' ? Infinity : LEVELS[level];
  const write = (l: keyof typeof LEVELS) => (fields: Record<string, unknown>, msg: string) => {
    if (LEVELS[l] < min) return;
    stream.write(`${JSON.stringify({ level: LEVELS[l], time: Date.now(), ...fields, msg })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
