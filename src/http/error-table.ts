import { COMMON_ERRORS, FEED_ERRORS, ITEM_ERRORS, OPERATION_ERRORS, type CatalogueEntry, type Operation } from '../shared/errors.js';
import { INVALID_TOKEN_BODY, statusOfKind, SUCCESS_STATUS } from './error-handler.js';


/** One row of the table: what a caller gets for a code. */
export type ErrorRow = { operation: Operation | '*'; code: number | 'JWT'; status: number | string; message: string };

const OPERATIONS = Object.keys(OPERATION_ERRORS) as Operation[];

function cell(text: string | number): string {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function codes(entries: Readonly<Record<number, CatalogueEntry>>): [number, CatalogueEntry][] {
  return Object.entries(entries).map(([code, entry]): [number, CatalogueEntry] => [Number(code), entry]).sort(([a], [b]) => a - b);
}

/** A common code's status: one number, or the success status that differs for createOrder. */
function commonStatus(entry: CatalogueEntry): number | string {
  const usual = statusOfKind(entry.kind, 200);
  const exceptions = OPERATIONS.filter((operation) => statusOfKind(entry.kind, SUCCESS_STATUS[operation]) !== usual);
  if (exceptions.length === 0) return usual;
  return `${usual} (${exceptions.map((operation) => `${operation}: ${statusOfKind(entry.kind, SUCCESS_STATUS[operation])}`).join(', ')})`;
}

/** Every answer the catalogue allows, as rows: the JWT refusal, the common codes, then each operation's codes. */
export function errorRows(): ErrorRow[] {
  const rows: ErrorRow[] = [{ operation: '*', code: 'JWT', status: INVALID_TOKEN_BODY.status, message: INVALID_TOKEN_BODY.message }];
  for (const [code, entry] of codes(COMMON_ERRORS)) rows.push({ operation: '*', code, status: commonStatus(entry), message: entry.message });
  for (const operation of OPERATIONS) {
    for (const [code, entry] of codes(OPERATION_ERRORS[operation])) {
      rows.push({ operation, code, status: statusOfKind(entry.kind, SUCCESS_STATUS[operation]), message: entry.message });
    }
  }
  return rows;
}

/** The error table of the docs (docs/errors.md), generated from the one catalogue in src/shared/errors.ts. */
export function renderErrorTable(): string {
  const rows = errorRows();
  const lines: string[] = [
    '# Error codes of the partner API',
    '',
    '<!-- Generated from src/shared/errors.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every answer of the Connect API carries `responseCode` (0 = success) and `responseMessage` ("OK" on',
    'success); getSubscriptionStatus uses `code` and `message` instead. The HTTP status says whether the',
    'call was processed, the code says the business result: every call that passes authentication',
    'answers its operation\'s success status (200, createOrder 201), whatever its code. Nexway reuses',
    'numbers, so a code means what the table of its operation says (1010 is "order already created" for',
    'createOrder and "not found" elsewhere).',
    '',
    '## Every route',
    '',
    'A refused JWT (missing, malformed, expired, or of a revoked client secret) answers 401 with the',
    'token service\'s body, without a `responseCode`:',
    '',
    '```json',
    JSON.stringify(INVALID_TOKEN_BODY),
    '```',
    '',
    'The codes 70–73, 1000 and 1001 answer exactly `{"responseCode", "responseMessage"}` on every route,',
    'getSubscriptionStatus included; 1002 answers in the shape of the operation\'s success answer.',
    '',
    '| code | HTTP | message |',
    '|---:|---|---|',
  ];
  for (const row of rows.filter((r) => r.operation === '*')) {
    lines.push(`| ${cell(row.code === 'JWT' ? 'JWT refused' : row.code)} | ${cell(row.status)} | ${cell(row.message)} |`);
  }
  lines.push('', '## Per operation', '');
  for (const operation of OPERATIONS) {
    const own = rows.filter((r) => r.operation === operation);
    lines.push(`### ${operation}`, '', `Success: HTTP ${SUCCESS_STATUS[operation]}, code 0 "OK".`, '');
    if (own.length === 0) {
      lines.push('No codes of its own: only those of every route.', '');
      continue;
    }
    lines.push('| code | HTTP | message |', '|---:|---|---|');
    for (const row of own) lines.push(`| ${cell(row.code)} | ${cell(row.status)} | ${cell(row.message)} |`);
    lines.push('');
    const items = ITEM_ERRORS[operation];
    if (items) {
      lines.push('Codes of each entry inside the answer (0 = OK):', '', '| code | message |', '|---:|---|');
      for (const [code, entry] of codes(items)) lines.push(`| ${code} | ${cell(entry.message)} |`);
      lines.push('');
    }
  }
  lines.push(
    '## Product feeds',
    '',
    '`GET /flow/getcatalog/v2.4/?secret=&provider=&config=` answers a refusal as one line of plain text',
    '(`text/plain`): the reason below, then `: ` and the parameter or id concerned.',
    '',
    '| HTTP | reason |',
    '|---|---|',
  );
  for (const entry of Object.values(FEED_ERRORS)) lines.push(`| ${statusOfKind(entry.kind, 200)} | ${cell(entry.message)} |`);
  lines.push('');
  return lines.join('\n');
}
