import type { App } from '../app.js';
import type { Clock } from '../shared/clock.js';

/** Where a command writes: stdout for results (one JSON document with --json), stderr for people. */
export type CliIo = {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
};

/** What every command gets: its streams and a way to open the configured, migrated App. */
export type CliContext = {
  io: CliIo;
  /**
   * Loads the configuration, opens the database and brings it up to date. Closed by the runner.
   * `clock` replaces the system clock (e.g. `renew --now`).
   */
  openApp(options?: { clock?: Clock }): Promise<App>;
};

/**
 * Ends a command with an exit code of product.md: 1 refused and nothing changed (the message is the
 * one-line reason), 2 partly done.
 */
export class CliExit extends Error {
  constructor(readonly exitCode: 1 | 2, message: string) {
    super(message);
    this.name = 'CliExit';
  }
}
