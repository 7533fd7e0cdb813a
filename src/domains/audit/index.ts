export { auditEntryInsert, recordAudit, listAudit, type AuditEntry, type AuditRecord } from './audit.repository.js';
