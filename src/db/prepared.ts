import { CompiledQuery, type Compilable } from 'kysely';
import { setWithin } from '../shared/bounded-map.js';
import { isPostgres } from './engine.js';
import type { Db, Tx } from './schema.js';

/** Stands for one argument (or one element of a list argument) while a prepared query is compiled. */
class Slot {
  constructor(readonly name: string, readonly index: number) {}

  // Text made from a stand-in would be compiled into the query as a constant: fail the build instead.
  [Symbol.toPrimitive](): never {
    throw new TypeError(`prepared query argument "${this.name}" used other than as a value`);
  }
}

type Compiled = { query: CompiledQuery; slots: readonly unknown[] };

/** Compiled variants kept per query (engines × list lengths): the oldest goes first beyond it. */
const MAX_VARIANTS = 64;

/** SQL texts of the variants kept, of every prepared query: what the PostgreSQL pool runs as named statements. */
const preparedTexts = new Set<string>();

/** Whether `sql` is the text of a prepared query: a statement the server runs again and again. */
export function isPreparedSql(sql: string): boolean {
  return preparedTexts.has(sql);
}

/**
 * Arguments of a prepared query: scalars or lists (one compiled query per list length); an undefined
 * one is left out of the query, as Kysely leaves out an undefined column of an insert.
 */
type Args = Record<string, unknown>;

/** A query compiled once per engine (and list length), run with new arguments. */
export type PreparedQuery<A extends Args, R> = {
  /** Every row. */
  execute(tx: Tx, args: A): Promise<R[]>;
  /** The first row, or undefined. */
  executeTakeFirst(tx: Tx, args: A): Promise<R | undefined>;
  /** Rows changed by an insert, update or delete. */
  executeChanges(tx: Tx, args: A): Promise<number>;
  /** The query with these arguments, not run: for runTogether. */
  compile(tx: Tx, args: A): CompiledQuery<R>;
};

/**
 * A query that Kysely builds and compiles once per engine and per length of its list arguments,
 * then runs with new arguments. `build` receives stand-ins for the arguments and must use them only
 * as values (never branch on them): building and compiling a query costs about 25 µs, running a
 * compiled one on SQLite about 4 µs, and the hot paths of the partner API run several per request.
 */
export function prepareQuery<A extends Args, R>(build: (db: Db, args: A) => Compilable<R>): PreparedQuery<A, R> {
  const compiled = new Map<string, Compiled>();

  function compiledFor(tx: Tx, args: A): Compiled {
    // The compiled text depends on the engine, the arguments given and the length of each list.
    let key = isPostgres(tx) ? 'pg' : 'sqlite';
    for (const name in args) {
      const value = args[name];
      key += value === undefined ? `,${name}?` : Array.isArray(value) ? `,${name}:${value.length}` : `,${name}`;
    }
    let found = compiled.get(key);
    if (!found) {
      const stand = Object.fromEntries(Object.entries(args).map(([name, value]) => [
        name, value === undefined ? undefined : Array.isArray(value) ? value.map((_, index) => new Slot(name, index)) : new Slot(name, -1),
      ])) as A;
      const query = build(tx as Db, stand).compile();
      found = { query, slots: query.parameters };
      preparedTexts.add(query.sql);
      // Lists of unusual lengths (an order's thousands of units) must not pile up compiled texts.
      const dropped = setWithin(compiled, key, found, MAX_VARIANTS);
      if (dropped) preparedTexts.delete(dropped[1].query.sql);
    }
    return found;
  }

  function compile(tx: Tx, args: A): CompiledQuery<R> {
    const { query, slots } = compiledFor(tx, args);
    const parameters = slots.map((slot) => {
      if (!(slot instanceof Slot)) return slot;
      const value = args[slot.name];
      return slot.index < 0 ? value : (value as unknown[])[slot.index];
    });
    return { ...query, parameters } as CompiledQuery<R>;
  }

  const run = (tx: Tx, args: A) => tx.executeQuery<R>(compile(tx, args));

  return {
    async execute(tx, args) {
      return (await run(tx, args)).rows;
    },
    async executeTakeFirst(tx, args) {
      return (await run(tx, args)).rows[0];
    },
    async executeChanges(tx, args) {
      return Number((await run(tx, args)).numAffectedRows ?? 0n);
    },
    compile,
  };
}

/** Statements made of several inserts kept, by the texts they join: a handful of call sites make them. */
const joinedTexts = new Map<string, string>();
const MAX_JOINED = 64;

/**
 * `$n` placeholders of a PostgreSQL statement, numbered from `offset + 1`. Kysely writes every value
 * of a query built with it as a placeholder, so a `$` followed by digits in its text is always one.
 */
function shiftPlaceholders(sql: string, offset: number): string {
  return offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

/**
 * Runs compiled statements in the caller's transaction and returns the rows of the last one: inserts
 * that return nothing (appends to logs: the ledger, the events outbox, the audit log; an order's
 * rows), then, last, any statement. On PostgreSQL they go as one statement, each but the last a
 * data-modifying `WITH` part (all of them run, once, whatever the last one reads; the last one's own
 * `WITH` parts join the list), so they cost one round trip instead of one each; it is run as a named
 * statement like the prepared queries it is made of. On SQLite, where a statement costs no round
 * trip, one after another.
 */
export async function runTogether<R = unknown>(tx: Tx, statements: readonly CompiledQuery[]): Promise<R[]> {
  if (!isPostgres(tx) || statements.length < 2) {
    let rows: R[] = [];
    for (const statement of statements) rows = (await tx.executeQuery<R>(statement as CompiledQuery<R>)).rows;
    return rows;
  }
  const key = statements.map((q) => q.sql).join('\u0000');
  let sql = joinedTexts.get(key);
  if (sql === undefined) {
    let offset = 0;
    const parts = statements.map((q) => {
      const part = shiftPlaceholders(q.sql, offset);
      offset += q.parameters.length;
      return part;
    });
    const last = parts.at(-1)!;
    const together = parts.slice(0, -1).map((part, i) => `"together_${i}" as (${part})`).join(', ');
    const own = /^with (recursive )?/i.exec(last);
    sql = own ? `with ${own[1] ?? ''}${together}, ${last.slice(own[0].length)}` : `with ${together} ${last}`;
    const dropped = setWithin(joinedTexts, key, sql, MAX_JOINED);
    if (dropped) preparedTexts.delete(dropped[1]);
    preparedTexts.add(sql);
  }
  return (await tx.executeQuery<R>(CompiledQuery.raw(sql, statements.flatMap((q) => q.parameters)) as CompiledQuery<R>)).rows;
}
