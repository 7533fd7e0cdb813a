import { setWithin } from '../shared/bounded-map.js';

/**
 * Databases that can tell whether anything was committed since they last looked, so that what was
 * read from them can be kept until then:
 * - SQLite: `PRAGMA data_version` on the read-only connection changes whenever another connection,
 *   of this process or any other, committed. That connection never writes, so every change shows.
 *   The main connection does not see its own commits in it and is not registered.
 * - PostgreSQL: `pg_current_snapshot()`, which changes whenever a transaction that wrote commits
 *   (two equal snapshots see exactly the same transactions), for one round trip.
 *
 * Either costs more under load than the cached reads it guards (a file lock, a round trip), so a
 * generation read is kept until the event loop's next turn, or until a statement that may write
 * ran on a connection of this process (`noteLocalStatement`), whichever comes first. A commit of
 * this process thus shows at once; one of another process (a CLI command, a second server) from the
 * next turn on, which is also when a request sent after it is read.
 */
export type Generation = number | string;

type Watched = { read: () => Generation | Promise<Generation>; generation: Generation | Promise<Generation> | undefined; localStatements: number };

const watched = new WeakMap<object, Watched>();
let localStatements = 0;

/** Registers `db` as a database whose `read` moves at every commit of any other connection. */
export function watchGenerations(db: object, read: () => Generation | Promise<Generation>): void {
  watched.set(db, { read, generation: undefined, localStatements: 0 });
}

/**
 * Called for every statement that may write on a connection of this process: before it runs on
 * SQLite (synchronous), once it has returned on PostgreSQL (a commit is visible once answered).
 */
export function noteLocalStatement(): void {
  localStatements++;
}

/** The data generation `db` sees now, or undefined when it cannot tell (caching on it is then off). */
export function generationOf(db: object): Generation | Promise<Generation> | undefined {
  const state = watched.get(db);
  if (!state) return undefined;
  if (state.generation !== undefined && state.localStatements === localStatements) return state.generation;
  if (state.generation === undefined) setImmediate(() => { state.generation = undefined; }).unref();
  state.generation = state.read();
  state.localStatements = localStatements;
  return state.generation;
}

/**
 * Results of reads that hold as long as nothing is committed: entries are kept for the generation
 * they were read in and all dropped when it moves. `entriesFor` reads the generation before the
 * caller reads the database, so an entry computed meanwhile from newer data is only dropped early,
 * never kept past a change.
 */
export type SnapshotCache<K, V> = {
  /** The entries valid now on `db` (empty after a commit); undefined when `db` cannot tell (do not cache). */
  entriesFor(db: object): Promise<SnapshotEntries<K, V> | undefined>;
};

export type SnapshotEntries<K, V> = {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
};

export type SnapshotCacheOptions<K, V> = {
  maxEntries: number;
  /** Entries a generation of `db` starts with: values read in the same statement as the generation. */
  seed?: (db: object, generation: Generation) => Iterable<[K, V]> | undefined;
};

export function snapshotCache<K, V>(options: SnapshotCacheOptions<K, V>): SnapshotCache<K, V> {
  let source: object | undefined;
  let generation: Generation | undefined;
  let entries = new Map<K, V>();
  return {
    async entriesFor(db) {
      // A generation that cannot be read (a lost connection) turns caching off for this call.
      const now = await Promise.resolve(generationOf(db)).catch(() => undefined);
      if (now === undefined) return undefined;
      if (db !== source || now !== generation) {
        source = db;
        generation = now;
        entries = new Map(options.seed?.(db, now));
      }
      const kept = entries;
      // Bound to this generation's map: a caller that sets after a newer generation began writes
      // into the map that was dropped, not into the new one.
      return { get: (key) => kept.get(key), set: (key, value) => void setWithin(kept, key, value, options.maxEntries) };
    },
  };
}
