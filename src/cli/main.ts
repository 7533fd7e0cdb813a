import { Command, CommanderError } from 'commander';
import { createApp, type App } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { InputError, NotFound } from '../shared/errors.js';
import { CliExit, type CliContext, type CliIo } from './context.js';
import { allowIpCommand } from './allow-ip.command.js';
import { catalogImportCommand } from './catalog-import.command.js';
import { demoCommand } from './demo.command.js';
import { feedCommand } from './feed.command.js';
import { keysImportCommand } from './keys-import.command.js';
import { migrateCommand } from './migrate.command.js';
import { partnerCreateCommand } from './partner-create.command.js';
import { posCommand } from './pos.command.js';
import { renewCommand } from './renew.command.js';
import { secretRotateCommand } from './secret-rotate.command.js';
import { startCommand } from './start.command.js';

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };

/** Every command of `resell`, each in its own file. */
const COMMANDS = [startCommand, migrateCommand, demoCommand, partnerCreateCommand, allowIpCommand, posCommand, secretRotateCommand, renewCommand, keysImportCommand, catalogImportCommand, feedCommand];

/** Runs `resell <argv>` and returns the exit code (0 done, 1 refused, 2 partly done). */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const opened: App[] = [];
  const context: CliContext = {
    io,
    async openApp(options = {}) {
      const app = createApp(loadConfig(io.env), options);
      opened.push(app);
      await migrateToLatest(app.db);
      return app;
    },
  };
  const program = new Command('resell')
    .description('Self-hosted reseller platform, wire-compatible with Nexway Connect v3.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const register of COMMANDS) register(program, context);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return exitCodeOf(error, io);
  } finally {
    await Promise.all(opened.map((app) => app.close()));
  }
}

function exitCodeOf(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
  if (error instanceof CliExit) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof InputError || error instanceof NotFound || error instanceof ConfigError) {
    io.stderr.write(`${error.message}\n`);
    return 1;
  }
  io.stderr.write(`unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
