import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/domains/audit/index.js';
import { DEFAULT_IMPORT_BATCH } from '../../src/domains/stock/index.js';
import { cliHarness, type CliHarness } from '../cli/cli-harness.js';
import { givenProduct, makeKeys } from '../support/products.js';

let cli: CliHarness;

beforeAll(async () => {
  cli = await cliHarness();
});
afterAll(() => cli.close());

let fileCount = 0;

/** Writes a key file into the command's working folder and returns its name. */
function keyFile(content: string, extension = 'txt'): string {
  const name = `keys-${++fileCount}.${extension}`;
  fs.writeFileSync(path.join(cli.dataDir, name), content);
  return name;
}

const poolProduct = async () => (await givenProduct(cli.app.db)).ref;

const importKeys = (ref: number, file: string, ...flags: string[]) => cli.run('keys', 'import', '--product', String(ref), file, ...flags);

async function storedKeys(ref: number): Promise<string[]> {
  const rows = await cli.app.db.selectFrom('serial_keys').select(['sealed', 'digest']).where('product_ref', '=', ref).orderBy('id').execute();
  return rows.map((r) => {
    const key = cli.app.keyring.decrypt(r.sealed);
    expect(r.digest).toBe(cli.app.keyring.digest(key));
    return key;
  });
}

const countsOf = (stdout: string) => JSON.parse(stdout) as { inserted: number; duplicates: number; blank: number };

describe('resell keys import', () => {
  it('imports one key per line and prints the inserted, duplicate and blank counts', async () => {
    const ref = await poolProduct();
    const keys = makeKeys(3);
    const result = await importKeys(ref, keyFile(`${keys.join('\n')}\n`));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^inserted\s+3\nduplicates\s+0\nblank\s+0\n$/);
    expect(await storedKeys(ref)).toEqual(keys);
  });

  it('prints exactly {"inserted","duplicates","blank"} on stdout with --json', async () => {
    const ref = await poolProduct();
    const result = await importKeys(ref, keyFile('A1\nA2\n\nA1\n'), '--json');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('{"inserted":2,"duplicates":1,"blank":1}\n');
  });

  it('reports a key repeated in the file as a duplicate and stores it once', async () => {
    const ref = await poolProduct();
    const result = await importKeys(ref, keyFile('DUP-1\nUNIQUE-1\nDUP-1\nDUP-1\n'), '--json');
    expect(countsOf(result.stdout)).toEqual({ inserted: 2, duplicates: 2, blank: 0 });
    expect(await storedKeys(ref)).toEqual(['DUP-1', 'UNIQUE-1']);
  });

  it('reports keys already stored for the product as duplicates and never stores them twice', async () => {
    const ref = await poolProduct();
    await importKeys(ref, keyFile('OLD-1\nOLD-2\n'));
    const result = await importKeys(ref, keyFile('OLD-2\nNEW-1\nOLD-1\n'), '--json');
    expect(countsOf(result.stdout)).toEqual({ inserted: 1, duplicates: 2, blank: 0 });
    expect(await storedKeys(ref)).toEqual(['OLD-1', 'OLD-2', 'NEW-1']);
  });

  it('accepts the same key in another product’s pool', async () => {
    const first = await poolProduct();
    const second = await poolProduct();
    await importKeys(first, keyFile('SHARED-KEY\n'));
    const result = await importKeys(second, keyFile('SHARED-KEY\n'), '--json');
    expect(countsOf(result.stdout)).toEqual({ inserted: 1, duplicates: 0, blank: 0 });
  });

  it('trims keys, accepts CRLF, and skips and counts blank lines', async () => {
    const ref = await poolProduct();
    const result = await importKeys(ref, keyFile('  TRIM-1  \r\n\r\n   \r\nTRIM-2\r\n\tTRIM-1\r\n\r\n'), '--json');
    expect(countsOf(result.stdout)).toEqual({ inserted: 2, duplicates: 1, blank: 3 });
    expect(await storedKeys(ref)).toEqual(['TRIM-1', 'TRIM-2']);
  });

  it('matches duplicates exactly: keys differing in case are different keys', async () => {
    const ref = await poolProduct();
    const result = await importKeys(ref, keyFile('abc-1\nABC-1\n'), '--json');
    expect(countsOf(result.stdout)).toEqual({ inserted: 2, duplicates: 0, blank: 0 });
  });

  it('detects duplicates across the batches of a large file', async () => {
    const ref = await poolProduct();
    const keys = makeKeys(DEFAULT_IMPORT_BATCH + 1_000);
    const repeated = [...keys.slice(0, 100), ...keys.slice(DEFAULT_IMPORT_BATCH - 50, DEFAULT_IMPORT_BATCH + 50)];
    const result = await importKeys(ref, keyFile(`${[...keys, ...repeated].join('\n')}\n`), '--json');
    expect(countsOf(result.stdout)).toEqual({ inserted: keys.length, duplicates: 200, blank: 0 });
    expect(new Set(await storedKeys(ref)).size).toBe(keys.length);
  });

  it('reads a .csv file from its "key" column, whatever its other columns and quoting', async () => {
    const ref = await poolProduct();
    const csv = '\uFEFFbatch,key,note\r\n1,CSV-1,first\r\n1,"  CSV-2 ",second\r\n\r\n2,,empty\r\n2,"CSV,3","comma, inside"\r\n2,CSV-1,again\r\n';
    const result = await importKeys(ref, keyFile(csv, 'csv'), '--json');
    expect(result.code).toBe(0);
    expect(countsOf(result.stdout)).toEqual({ inserted: 3, duplicates: 1, blank: 2 });
    expect(await storedKeys(ref)).toEqual(['CSV-1', 'CSV-2', 'CSV,3']);
  });

  it('refuses a .csv file without a "key" column with exit 1 and stores nothing', async () => {
    const ref = await poolProduct();
    const result = await importKeys(ref, keyFile('serial,note\nS-1,x\nS-2,y\n', 'csv'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('"key"');
    expect(await storedKeys(ref)).toEqual([]);
  });

  it.each(['generated', 'none'] as const)('refuses a product whose serial source is %s with exit 1 and stores nothing', async (serialSource) => {
    const { ref } = await givenProduct(cli.app.db, { serialSource });
    const result = await importKeys(ref, keyFile('K-1\nK-2\n'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(serialSource);
    expect(await storedKeys(ref)).toEqual([]);
  });

  it('refuses an unknown product with exit 1', async () => {
    const result = await importKeys(987_654, keyFile('K-1\n'));
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    const stored = await cli.app.db.selectFrom('serial_keys').select('id').where('product_ref', '=', 987_654).execute();
    expect(stored).toEqual([]);
  });

  it('refuses a missing file with exit 1', async () => {
    const result = await importKeys(await poolProduct(), 'no-such-file.txt');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no-such-file.txt');
  });

  it('ends with exit 2 when the file turns unreadable after whole batches were stored, keeping them', async () => {
    const ref = await poolProduct();
    const keys = makeKeys(DEFAULT_IMPORT_BATCH);
    const csv = `key\n${keys.join('\n')}\nLAST-1\n"unclosed\n`;
    const result = await importKeys(ref, keyFile(csv, 'csv'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${DEFAULT_IMPORT_BATCH} inserted`);
    expect(await storedKeys(ref)).toHaveLength(DEFAULT_IMPORT_BATCH);
  });

  it('shows progress on stderr as plain lines when stderr is not a terminal, and no key anywhere in its output', async () => {
    const ref = await poolProduct();
    const keys = makeKeys(DEFAULT_IMPORT_BATCH + 10);
    const result = await importKeys(ref, keyFile(`${keys.join('\n')}\n`), '--json');
    const lines = result.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) expect(line).toMatch(/^keys import: \d+% read, \d+ inserted, \d+ duplicates, \d+ blank$/);
    expect(lines.at(-1)).toMatch(/100% read/);
    for (const key of [keys[0]!, keys[1_000]!, keys.at(-1)!]) {
      expect(result.stderr).not.toContain(key);
      expect(result.stdout).not.toContain(key);
    }
  });

  it('audits each import as the cli with its counts, never its keys', async () => {
    const ref = await poolProduct();
    await importKeys(ref, keyFile('AUDIT-KEY-1\nAUDIT-KEY-1\n\nAUDIT-KEY-2\n'));
    const entry = (await listAudit(cli.app.db, 10)).find((e) => e.subject === `product:${ref}`);
    expect(entry).toMatchObject({ actor: 'cli', action: 'keys.imported', detail: { inserted: 2, duplicates: 1, blank: 1 } });
    expect(JSON.stringify(entry)).not.toContain('AUDIT-KEY');
  });
});
