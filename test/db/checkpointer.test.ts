import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type CheckpointResult } from '../../src/db/checkpointer.js';
import { openSqlite } from '../../src/db/connect.js';

// Checkpoints from a thread of their own (issue 6): the writers' connection no longer carries them
// inside its commits. The writer here never checkpoints itself, so what is copied is the thread's work.

let dir: string;
let file: string;
let writer: SqliteDatabase.Database;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-checkpoint-'));
  file = path.join(dir, 'resell.db');
  writer = openSqlite(file);
  writer.pragma('wal_autocheckpoint = 0');
  writer.exec('create table t (n integer primary key, text text)');
});
afterEach(() => {
  writer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const write = (rows: number) => {
  const insert = writer.prepare('insert into t (text) values (?)');
  writer.transaction(() => { for (let i = 0; i < rows; i++) insert.run('x'.repeat(200)); })();
};

describe('checkpoint thread', () => {
  it('copies every committed WAL frame into the database when asked, beside an open writer', async () => {
    const checkpointer = startCheckpointer(file, { everyMs: 60_000 });
    try {
      write(2000);
      const result = await checkpointer.checkpoint();
      expect(result.busy).toBe(0);
      expect(result.log).toBeGreaterThan(50);
      expect(result.checkpointed).toBe(result.log);
      // The writer goes on after it, and the rows are all there.
      write(10);
      expect(writer.prepare('select count(*) as n from t').get()).toEqual({ n: 2010 });
    } finally {
      await checkpointer.stop();
    }
  });

  it('checkpoints on its own every period', async () => {
    const checkpointer = startCheckpointer(file, { everyMs: 20 });
    try {
      write(500);
      // Periodic checkpoints report what they copied; one of them catches the rows written above.
      let copied = 0;
      while (copied === 0) copied = ((await once(checkpointer.events, 'checkpoint')) as [CheckpointResult])[0].checkpointed;
      expect(copied).toBeGreaterThan(0);
    } finally {
      await checkpointer.stop();
    }
  });

  it('refuses a checkpoint once stopped, instead of waiting for ever', async () => {
    const checkpointer = startCheckpointer(file, { everyMs: 60_000 });
    await checkpointer.stop();
    await expect(checkpointer.checkpoint()).rejects.toThrow(/stopped/);
  });
});
