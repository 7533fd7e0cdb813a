import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

export type KeyMaterial = { signingKey: Buffer; encryptionKey: Buffer };

/**
 * The configured keys, or on a single SQLite machine the keys kept in the data folder, created on
 * first use with mode 0600. PostgreSQL deployments must configure both (config.ts enforces it).
 */
export function loadKeyMaterial(config: Config): KeyMaterial {
  return {
    signingKey: config.signingKey ?? keyFile(config.dataDir, 'signing.key'),
    encryptionKey: config.encryptionKey ?? keyFile(config.dataDir, 'encryption.key'),
  };
}

function keyFile(dataDir: string, name: string): Buffer {
  const file = path.join(dataDir, name);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const bytes = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  if (bytes.length !== 32) throw new Error(`${file} does not hold a 32-byte hex key`);
  return bytes;
}
