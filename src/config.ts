import path from 'node:path';

export type Engine = 'sqlite' | 'postgres';
export type Role = 'all' | 'api' | 'worker';

export type Config = {
  port: number;
  host: string;
  publicUrl: string;
  engine: Engine;
  databaseUrl: string;
  /** SQLite file path when engine is sqlite (`:memory:` allowed in tests). */
  sqlitePath: string;
  dataDir: string;
  /** Raw 32-byte keys; undefined means "generate into dataDir" (SQLite only). */
  signingKey: Buffer | undefined;
  encryptionKey: Buffer | undefined;
  fileStoreDir: string;
  metricsToken: string | undefined;
  logLevel: string;
  downloadWindowDays: number;
  renewalGraceDays: number;
  demo: boolean;
};

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(text(env, 'DATA_DIR') ?? './data');
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = text(env, 'HOST') ?? '0.0.0.0';
  const databaseUrl = text(env, 'DATABASE_URL') ?? `sqlite:${path.join(dataDir, 'resell.db')}`;
  const engine = engineOf(databaseUrl);
  const signingKey = key(env, 'SIGNING_KEY');
  const encryptionKey = key(env, 'ENCRYPTION_KEY');
  if (engine === 'postgres' && (!signingKey || !encryptionKey)) {
    throw new ConfigError('SIGNING_KEY and ENCRYPTION_KEY are required with PostgreSQL: every process must share them');
  }
  const publicUrl = (text(env, 'PUBLIC_URL') ?? `http://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(publicUrl)) throw new ConfigError(`PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    port,
    host,
    publicUrl,
    engine,
    databaseUrl,
    sqlitePath: engine === 'sqlite' ? sqlitePathOf(databaseUrl) : '',
    dataDir,
    signingKey,
    encryptionKey,
    fileStoreDir: path.resolve(text(env, 'FILE_STORE_DIR') ?? path.join(dataDir, 'files')),
    metricsToken: text(env, 'METRICS_TOKEN'),
    logLevel,
    downloadWindowDays: integer(env, 'DOWNLOAD_WINDOW_DAYS', 21, 1, 3650),
    renewalGraceDays: integer(env, 'RENEWAL_GRACE_DAYS', 7, 0, 365),
    demo: boolean(env, 'DEMO', true),
  };
}

function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** Keys are 32 bytes given as 64 hex characters or base64. */
function key(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const bytes = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (bytes.length !== 32) throw new ConfigError(`${name} must be 32 bytes, as 64 hex characters or base64`);
  return bytes;
}

function engineOf(url: string): Engine {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  throw new ConfigError('DATABASE_URL must start with sqlite: or postgres://');
}

function sqlitePathOf(url: string): string {
  const rest = url.slice('sqlite:'.length).replace(/^\/\//, '');
  if (rest === ':memory:') return rest;
  if (!rest) throw new ConfigError('DATABASE_URL sqlite: needs a file path');
  return path.resolve(rest);
}
