import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Before the run: compile the CLI that tests start as a real process. Test files make their own
 * PostgreSQL schemas named after this run and never drop them while others migrate (Kysely's
 * migrator reads every schema of the database, and a schema dropped meanwhile fails it): they are
 * all dropped here, once the run is over.
 */
export default function setup(): () => Promise<void> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const run = randomBytes(3).toString('hex');
  process.env.RESELL_TEST_RUN = run;
  return async () => {
    const url = process.env.TEST_DATABASE_URL;
    if (!url?.startsWith('postgres')) return;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('select nspname as name from pg_namespace where nspname like $1', [`t\\_${run}\\_%`]);
      for (const { name } of rows) await client.query(`drop schema if exists "${name}" cascade`);
    } finally {
      await client.end();
    }
  };
}
