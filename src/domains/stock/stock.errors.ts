import { Refusal } from '../../shared/errors.js';

/** Fewer free keys than a claim needs: the whole order is refused with 1044 and nothing is assigned. */
export class OutOfStock extends Refusal {
  constructor(readonly productRef: number) {
    super(1044);
    this.name = 'OutOfStock';
  }
}

/**
 * A key import that stopped part-way (unreadable file, database error) after some batches were
 * committed: those keys are stored, `counts` says how many; `cause` says why it stopped.
 */
export class KeysImportInterrupted extends Error {
  constructor(
    readonly counts: Readonly<{ inserted: number; duplicates: number; blank: number }>,
    override readonly cause: unknown,
  ) {
    super(`key import stopped: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'KeysImportInterrupted';
  }
}
