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

/**
 * Group commit (SQLite): units that arrive while a batch runs wait for the next one; a batch runs
 * its units one after another in a single transaction, each inside its own savepoint (a unit that
 * throws is rolled back alone), and commits once, so many units share one durable commit (one
 * fsync with `synchronous=FULL`) instead of paying one each. Every unit still sees the units before
 * it and nothing of those after it, and is answered only once the batch's commit succeeded.
 */
export function groupCommit(db: Db, options: { maxBatch: number; onBatch?(size: number): void }): UnitsOfWork {
  const queue: Pending[] = [];
  let running = false;
  let units = 0;
  let commits = 0;

  async function runBatch(batch: readonly Pending[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    await db.transaction().execute(async (tx) => {
      for (const unit of batch) {
        await tx.executeQuery(SAVEPOINT);
        try {
          const value = await unit.work(tx);
          await tx.executeQuery(RELEASE);
          outcomes.push({ ok: true, value });
        } catch (error) {
          // Undo this unit only; a failure to do so fails the whole batch below.
          await tx.executeQuery(ROLLBACK);
          await tx.executeQuery(RELEASE);
          outcomes.push({ ok: false, error });
        }
      }
    });
    return outcomes;
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, options.maxBatch);
        options.onBatch?.(batch.length);
        units += batch.length;
        commits += 1;
        let outcomes: Outcome[];
        try {
          outcomes = await runBatch(batch);
        } catch (error) {
          // The commit (or a rollback) failed: nothing of the batch is stored.
          for (const unit of batch) unit.reject(error);
          continue;
        }
        batch.forEach((unit, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) unit.resolve(outcome.value);
          else unit.reject(outcome.error);
        });
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
