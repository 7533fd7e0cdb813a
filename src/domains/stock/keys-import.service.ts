import type { Db } from '../../db/schema.js';
import type { Clock } from '../../shared/clock.js';
import { InputError, NotFound } from '../../shared/errors.js';
import type { Keyring } from '../../shared/keyring.js';
import { recordAudit } from '../audit/index.js';
import { findProducts } from '../catalog/index.js';
import { normaliseKey } from './stock.js';
import { KeysImportInterrupted } from './stock.errors.js';
import { insertKeys, type NewKeyRow } from './stock.repository.js';

/** What an import did: keys stored, duplicates skipped (in the file or already stored), blank entries skipped. */
export type KeyImportCounts = { inserted: number; duplicates: number; blank: number };

export type KeyImportOptions = {
  /** Who the audit log names. */
  actor: string;
  /** Keys per transaction (each inserted with multi-row statements of INSERT_ROWS). */
  batchSize?: number;
  /** Called after each committed batch with the running counts. */
  onProgress?: (counts: Readonly<KeyImportCounts>) => void;
};

/**
 * Keys per transaction. Digests are random, so every commit rewrites index pages all over the unique
 * index: large transactions touch each page once for many keys (1M keys: ~15 s of inserts at 50,000
 * per transaction against ~27 s at 5,000 on SQLite with synchronous=FULL).
 */
export const DEFAULT_IMPORT_BATCH = 50_000;

/** Rows per INSERT statement: 4 parameters each stays under SQLite's 32,766 and PostgreSQL's 65,535. */
const INSERT_ROWS = 5_000;

/**
 * Imports keys into a pool product: each key trimmed, blank entries skipped, duplicates (exact match
 * after trimming, in the entries or already stored) skipped and counted, never stored twice. Keys are
 * stored sealed (AES-256-GCM) beside their keyed digest, in batches, each its own transaction; the
 * import is audited with its counts only. Throws NotFound for an unknown product and InputError for
 * one whose serial source is not `pool` (nothing stored); KeysImportInterrupted when reading fails
 * after batches were committed (an error before any commit is rethrown as is).
 */
export function importKeysWith({ keyring, clock }: { keyring: Keyring; clock: Clock }) {
  return async function importKeys(
    db: Db,
    productRef: number,
    entries: AsyncIterable<string | null | undefined> | Iterable<string | null | undefined>,
    options: KeyImportOptions,
  ): Promise<KeyImportCounts> {
    const product = (await findProducts(db, [productRef])).get(productRef);
    if (!product) throw new NotFound(`product ${productRef} does not exist`);
    if (product.delivery.serialSource !== 'pool') {
      throw new InputError(`product ${productRef} has serial source "${product.delivery.serialSource}": only pool products take imported keys`);
    }
    const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH;
    const counts: KeyImportCounts = { inserted: 0, duplicates: 0, blank: 0 };
    const importedAt = clock.now().toISOString();
    let committed = false;
    // Keyed by digest, so a key repeated within a batch is seen before the database is asked.
    let batch = new Map<string, NewKeyRow>();

    const flush = async (last: boolean) => {
      // In file order, so keys are handed out in the order they were imported.
      const rows = [...batch.values()];
      batch = new Map();
      const after = await db.transaction().execute(async (tx) => {
        let inserted = 0;
        for (let start = 0; start < rows.length; start += INSERT_ROWS) inserted += await insertKeys(tx, rows.slice(start, start + INSERT_ROWS));
        const next = { ...counts, inserted: counts.inserted + inserted, duplicates: counts.duplicates + rows.length - inserted };
        // The audit entry commits with the last batch: an import is in the log exactly when it is complete.
        if (last) await recordAudit(tx, clock.now(), { actor: options.actor, action: 'keys.imported', subject: `product:${productRef}`, detail: next });
        return next;
      });
      Object.assign(counts, after);
      committed = true;
      options.onProgress?.(counts);
    };

    try {
      for await (const entry of entries) {
        const key = normaliseKey(entry);
        if (key === undefined) {
          counts.blank += 1;
          continue;
        }
        const digest = keyring.digest(key);
        if (batch.has(digest)) {
          counts.duplicates += 1;
          continue;
        }
        batch.set(digest, { product_ref: productRef, digest, sealed: keyring.encrypt(key), imported_at: importedAt });
        if (batch.size >= batchSize) await flush(false);
      }
      await flush(true);
    } catch (error) {
      if (!committed) throw error;
      await db.transaction().execute((tx) => recordAudit(tx, clock.now(), {
        actor: options.actor, action: 'keys.import_interrupted', subject: `product:${productRef}`, detail: { ...counts },
      }));
      throw new KeysImportInterrupted({ ...counts }, error);
    }
    return counts;
  };
}
