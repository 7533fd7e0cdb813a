import { randomUUID } from 'node:crypto';
import { prepareQuery } from './prepared.js';
import type { Tx } from './schema.js';
import { snapshotCache } from './snapshots.js';

/**
 * What a process may keep in memory, each with the settings row that says whether it is still right:
 * a transaction that changes what the cache holds renews the version, and readers compare it at every
 * read (one indexed lookup), so a change by any process (a CLI command, another server) shows at once.
 */
export type CacheVersionKey = 'catalog.version' | 'partners.version';

// On the read connection a version is read again only after a commit (snapshots.ts).
const versionsSeen = snapshotCache<CacheVersionKey, string>({ maxEntries: 8 });

/** The current version of `key` ('' while nothing has renewed it). */
export async function findCacheVersion(tx: Tx, key: CacheVersionKey): Promise<string> {
  const seen = await versionsSeen.entriesFor(tx);
  const known = seen?.get(key);
  if (known !== undefined) return known;
  const version = (await versionOf.executeTakeFirst(tx, { key }))?.value ?? '';
  seen?.set(key, version);
  return version;
}

/** Renews the version of `key` inside the changing transaction: every process's copy is then dropped. */
export async function renewCacheVersion(tx: Tx, key: CacheVersionKey): Promise<void> {
  await newVersion.execute(tx, { key, value: randomUUID() });
}

// Read at every partner API call: compiled once.
const versionOf = prepareQuery((db, { key }: { key: string }) => db.selectFrom('settings').select('value').where('key', '=', key));
const newVersion = prepareQuery((db, row: { key: string; value: string }) => db.insertInto('settings').values(row)
  .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))));
