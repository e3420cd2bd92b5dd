/**
 * What every part of a running service shares: the typed config, the store (SQLite), the
 * metrics, the log and the tokens. Created once per process (or per test).
 */
import { join } from 'node:path';
import type { ServeConfig } from './config.js';
import { createServeLog, type LogLevel, type ServeLog } from './log.js';
import { ServeMetrics } from './metrics.js';
import { ServeStore } from './store/serve-store.js';
import { loadTokens, type TokenEntry } from './tokens.js';

export interface ServeContext {
  config: ServeConfig;
  store: ServeStore;
  metrics: ServeMetrics;
  log: ServeLog;
  tokens: TokenEntry[];
}

/** `tokens`: given in memory (`ichscan view`'s one-run token) instead of read from `config.tokenFile`. */
export function createServeContext(config: ServeConfig, logLevel: LogLevel = 'info', tokens: TokenEntry[] = loadTokens(config.tokenFile)): ServeContext {
  // tokens first (a default parameter): a bad token file must not leave a database open
  return { config, store: new ServeStore(join(config.dataDir, 'ichscan.db')), metrics: new ServeMetrics(), log: createServeLog(logLevel), tokens };
}
