import { InputError } from '../../shared/errors.js';
import type { Problem } from './product-record.js';

const SHOWN = 3;

/** A catalog file refused whole: every problem found, each with its JSON path; nothing was written. */
export class CatalogFileRefused extends InputError {
  constructor(readonly problems: readonly Problem[]) {
    const shown = problems.slice(0, SHOWN).map((p) => `${p.path}: ${p.message}`).join('; ');
    const more = problems.length > SHOWN ? ` (and ${problems.length - SHOWN} more problems)` : '';
    super(`${shown}${more}`);
    this.name = 'CatalogFileRefused';
  }
}
