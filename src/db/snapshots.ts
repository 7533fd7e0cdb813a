import { setWithin } from '../shared/bounded-map.js';

/**
 * Read connections that can tell whether anything was committed since they last looked: SQLite's
 * `PRAGMA data_version` changes on a connection whenever another connection, of this process or any
 * other, committed to the database. The read-only connection never writes, so every change is some
 * other connection's and shows. A connection that also writes (the main one) does not see its own
 * commits in it, so only the read-only connection is registered; PostgreSQL has no such counter and
 * is never registered.
 *
 * The pragma takes the file's read lock (two system calls), which under load cost more than the
 * cached reads it guards; so the generation read is kept until the event loop's next turn, or until
 * a statement runs on a writing connection of this process (`noteLocalStatement`), whichever comes
 * first. A commit of this process thus shows at once; one of another process (a CLI command, a
 * second server) from the next turn on, which is also when a request sent after it is read.
 */
type Watched = { read: () => number; generation: number | undefined; localStatements: number };

const watched = new WeakMap<object, Watched>();
let localStatements = 0;

/** Registers `db` as a connection whose `read` moves at every commit of any other connection. */
export function watchGenerations(db: object, read: () => number): void {
  watched.set(db, { read, generation: undefined, localStatements: 0 });
}

/** Called for every statement run on a connection of this process that may write (before it runs). */
export function noteLocalStatement(): void {
  localStatements++;
}

/** The data generation `db` sees now, or undefined when it cannot tell (caching on it is then off). */
export function generationOf(db: object): number | undefined {
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
  entriesFor(db: object): SnapshotEntries<K, V> | undefined;
};

export type SnapshotEntries<K, V> = {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
};

export function snapshotCache<K, V>(options: { maxEntries: number }): SnapshotCache<K, V> {
  let source: object | undefined;
  let generation: number | undefined;
  let entries = new Map<K, V>();
  return {
    entriesFor(db) {
      const now = generationOf(db);
      if (now === undefined) return undefined;
      if (db !== source || now !== generation) {
        source = db;
        generation = now;
        entries = new Map();
      }
      const kept = entries;
      // Bound to this generation's map: a caller that sets after a newer generation began writes
      // into the map that was dropped, not into the new one.
      return { get: (key) => kept.get(key), set: (key, value) => void setWithin(kept, key, value, options.maxEntries) };
    },
  };
}
