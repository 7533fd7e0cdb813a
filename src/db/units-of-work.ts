import { CompiledQuery } from 'kysely';
import type { Db, Tx } from './schema.js';

/**
 * Where the units of work of requests and jobs run (style.md: one per request, each all-or-nothing
 * and isolated): its own transaction, or a savepoint inside a group commit.
 */
export type UnitsOfWork = {
  /** Runs `work` all-or-nothing; resolves once its changes are durable, rejects with what it threw. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Units run and commits made so far (units ÷ commits is the mean group size): for the metrics. */
  counts(): { units: number; commits: number };
};

/** One transaction per unit: PostgreSQL runs concurrent transactions side by side. */
export function transactionPerUnit(db: Db): UnitsOfWork {
  let units = 0;
  return {
    run: (work) => {
      units += 1;
      return db.transaction().execute(work);
    },
    counts: () => ({ units, commits: units }),
  };
}

// Run for every unit of a batch: compiled once.
const SAVEPOINT = CompiledQuery.raw('savepoint unit');
const RELEASE = CompiledQuery.raw('release savepoint unit');
const ROLLBACK = CompiledQuery.raw('rollback to savepoint unit');

type Pending = { work: (tx: Tx) => Promise<unknown>; resolve(value: unknown): void; reject(error: unknown): void };
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Resolves on the next turn of the event loop, after pending I/O: requests that arrived get their turn. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Group commit (SQLite): a batch runs units one after another in a single transaction, each inside its
 * own savepoint (a unit that throws is rolled back alone), and commits once, so many units share one
 * durable commit (one fsync with `synchronous=FULL`) instead of paying one each. When the queue is
 * empty the batch lets the event loop read what arrived meanwhile, and takes those units too before it
 * commits (up to `maxBatch`): a request that arrives during a batch joins it rather than waiting for
 * the next one. Every unit sees the units before it and nothing of those after it, and is answered
 * only once the batch's commit succeeded.
 */
export function groupCommit(db: Db, options: { maxBatch: number; onBatch?(size: number): void }): UnitsOfWork {
  const queue: Pending[] = [];
  let running = false;
  let units = 0;
  let commits = 0;

  async function runUnit(tx: Tx, unit: Pending): Promise<Outcome> {
    await tx.executeQuery(SAVEPOINT);
    try {
      const value = await unit.work(tx);
      await tx.executeQuery(RELEASE);
      return { ok: true, value };
    } catch (error) {
      // Undo this unit only; a failure to do so fails the whole batch below.
      await tx.executeQuery(ROLLBACK);
      await tx.executeQuery(RELEASE);
      return { ok: false, error };
    }
  }

  /** Runs one batch; every unit it took is in `taken`, with its outcome once it ran. */
  async function runBatch(taken: { unit: Pending; outcome?: Outcome }[]): Promise<void> {
    await db.transaction().execute(async (tx) => {
      let waited = false;
      while (taken.length < options.maxBatch) {
        const unit = queue.shift();
        if (unit === undefined) {
          // A turn that brought nothing ends the batch.
          if (waited) break;
          waited = true;
          await nextTurn();
          continue;
        }
        waited = false;
        const entry: { unit: Pending; outcome?: Outcome } = { unit };
        taken.push(entry);
        entry.outcome = await runUnit(tx, unit);
      }
    });
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const taken: { unit: Pending; outcome?: Outcome }[] = [];
        try {
          await runBatch(taken);
        } catch (error) {
          // The commit (or a rollback) failed: nothing of the batch is stored.
          for (const { unit } of taken) unit.reject(error);
          continue;
        } finally {
          options.onBatch?.(taken.length);
          units += taken.length;
          commits += 1;
        }
        for (const { unit, outcome } of taken) {
          if (outcome!.ok) unit.resolve(outcome!.value);
          else unit.reject(outcome!.error);
        }
      }
    } finally {
      running = false;
    }
  }

  return {
    run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (running) return;
        running = true;
        // Start on the next turn of the event loop: requests whose bytes arrived in this turn join the batch.
        setImmediate(() => void drain());
      });
    },
    counts: () => ({ units, commits }),
  };
}
