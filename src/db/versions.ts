import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { prepareQuery } from './prepared.js';
import type { Db, Tx } from './schema.js';
import { snapshotCache, type Generation } from './snapshots.js';

const CACHE_VERSION_KEYS = ['catalog.version', 'partners.version'] as const;

/**
 * What a process may keep in memory, each with the settings row that says whether it is still right:
 * a transaction that changes what the cache holds renews the version, and readers compare it at every
 * read (one indexed lookup), so a change by any process (a CLI command, another server) shows at once.
 */
export type CacheVersionKey = (typeof CACHE_VERSION_KEYS)[number];

/** The versions read with the latest generation of each database (readGenerationWithVersions). */
const versionsAtGeneration = new WeakMap<object, { generation: Generation; versions: [CacheVersionKey, string][] }>();

// On the read connection a version is read again only after a commit (snapshots.ts); on PostgreSQL
// a new generation comes with every version, read in the same statement.
const versionsSeen = snapshotCache<CacheVersionKey, string>({
  maxEntries: 8,
  seed: (db, generation) => {
    const read = versionsAtGeneration.get(db);
    return read?.generation === generation ? read.versions : undefined;
  },
});

/**
 * PostgreSQL's generation (snapshots.ts: the snapshot, which moves at every commit) together with
 * every cache version as of that snapshot, in one statement. A partner API call reads a version
 * (authentication) after nearly every new generation under a stream of orders: with the generation
 * read alone that was a second round trip, and a third for the catalog's version.
 */
export async function readGenerationWithVersions(db: Db): Promise<Generation> {
  const row = (await generationAndVersions.executeTakeFirst(db, { keys: CACHE_VERSION_KEYS }))!;
  const stored = new Map<string, string>(Object.entries(row.versions ?? {}));
  versionsAtGeneration.set(db, { generation: row.snapshot, versions: CACHE_VERSION_KEYS.map((key) => [key, stored.get(key) ?? '']) });
  return row.snapshot;
}

// pg_current_snapshot() is the statement's own snapshot: the versions beside it are exactly as of it.
const generationAndVersions = prepareQuery((db, { keys }: { keys: readonly string[] }) => db.selectNoFrom((eb) => [
  sql<string>`pg_current_snapshot()::text`.as('snapshot'),
  eb.selectFrom('settings').select(sql<Record<string, string> | null>`json_object_agg(key, value)`.as('versions')).where('key', 'in', keys).as('versions'),
]));

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
