import type { CompiledQuery, Insertable } from 'kysely';
import { prepareQuery } from '../../db/prepared.js';
import type { AuditLogTable, Tx } from '../../db/schema.js';

export type AuditEntry = { actor: string; action: string; subject: string; detail?: Record<string, unknown> };

/** Appends one entry to the audit log; the log is never updated nor deleted from. */
export async function recordAudit(tx: Tx, at: Date, entry: AuditEntry): Promise<void> {
  await tx.executeQuery(auditEntryInsert(tx, at, entry));
}

/** The insert of an audit entry, to run with other appends (runTogether). */
export function auditEntryInsert(tx: Tx, at: Date, entry: AuditEntry): CompiledQuery {
  return newEntry.compile(tx, { at: at.toISOString(), actor: entry.actor, action: entry.action, subject: entry.subject, detail: JSON.stringify(entry.detail ?? {}) });
}

// Every order writes one: compiled once.
const newEntry = prepareQuery((db, row: Insertable<AuditLogTable>) => db.insertInto('audit_log').values(row));

export type AuditRecord = { id: number; at: string; actor: string; action: string; subject: string; detail: Record<string, unknown> };

/** The newest entries first. */
export async function listAudit(tx: Tx, limit = 100): Promise<AuditRecord[]> {
  const rows = await tx.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}
