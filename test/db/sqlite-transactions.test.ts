import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';

// A CLI command and the server share one SQLite file: a transaction must hold the write lock from its
// first statement, so the other process waits for it (busy timeout) instead of failing mid-transaction.

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

it('takes the SQLite write lock when a transaction begins, before its first write', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-sqlite-'));
  dirs.push(dir);
  const file = path.join(dir, 'resell.db');
  const db = connectDatabase({ engine: 'sqlite', databaseUrl: `sqlite:${file}`, sqlitePath: file });
  await sql`create table t (n integer)`.execute(db);
  const other = new SqliteDatabase(file);
  other.pragma('busy_timeout = 0');
  try {
    await db.transaction().execute(async (tx) => {
      await sql`select count(*) from t`.execute(tx);
      // Another process trying to write now is refused at once (it would wait with a busy timeout).
      expect(() => other.prepare('insert into t values (1)').run()).toThrow(/locked|busy/i);
    });
    other.prepare('insert into t values (2)').run();
    expect(other.prepare('select count(*) as n from t').get()).toEqual({ n: 1 });
  } finally {
    other.close();
    await db.destroy();
  }
});
