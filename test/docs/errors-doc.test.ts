import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorRows, renderErrorTable } from '../../src/http/error-table.js';
import { COMMON_ERRORS, OPERATION_ERRORS, type Operation } from '../../src/shared/errors.js';

const DOC = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));

describe('docs/errors.md', () => {
  it('is exactly the table generated from the error catalogue', () => {
    const written = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : '';
    expect(written, 'docs/errors.md differs from the error catalogue (src/shared/errors.ts): run `npm run docs` and commit the result').toBe(renderErrorTable());
  });
});

describe('renderErrorTable', () => {
  it('lists every (operation, code) of the catalogue once', () => {
    const listed = errorRows().filter((row) => row.operation !== '*').map((row) => `${row.operation} ${row.code}`);
    const catalogue = (Object.keys(OPERATION_ERRORS) as Operation[])
      .flatMap((operation) => Object.keys(OPERATION_ERRORS[operation]).map((code) => `${operation} ${code}`));
    expect(listed.sort()).toEqual(catalogue.sort());
  });

  it('answers business refusals with the operation’s success status: 201 for createOrder, 200 elsewhere', () => {
    const status = (operation: Operation, code: number) => errorRows().find((row) => row.operation === operation && row.code === code)?.status;
    expect(status('createOrder', 1044)).toBe(201);
    expect(status('createOrder', 1010)).toBe(201);
    expect(status('getOrderData', 1010)).toBe(200);
    expect(status('renewSubscription', 1044)).toBe(200);
  });

  it('lists the JWT refusal and the common codes 70–73, 1000–1002 with their own statuses', () => {
    const common = new Map(errorRows().filter((row) => row.operation === '*').map((row) => [row.code, row.status]));
    expect(Object.fromEntries(common)).toEqual({
      JWT: 401, 70: 401, 71: 401, 72: 403, 73: 429, 1000: 500, 1001: 413, 1002: '200 (createOrder: 201)',
    });
    expect([...common.keys()].filter((code) => code !== 'JWT').sort()).toEqual(Object.keys(COMMON_ERRORS).map(Number).sort());
  });

  it('renders a Markdown row per code with its status and message', () => {
    const table = renderErrorTable();
    expect(table).toContain('| 72 | 403 | IP address not allowed |');
    expect(table).toContain('| 1044 | 201 | out of stock |');
    expect(table).toContain('### getSubscriptionStatus');
  });
});
