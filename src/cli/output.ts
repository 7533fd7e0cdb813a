import { InvalidArgumentError, type Command } from 'commander';
import { MAX_ID } from '../shared/ids.js';
import type { CliIo } from './context.js';

// Shared helpers of the commands: where results and notes go, command groups, and the parsers of
// flag values (a bad value ends the command with exit 1 and commander's one-line message).

/** Who the audit log names for every change made from the command line. */
export const CLI_ACTOR = 'cli';

/** Writes the one JSON document of a `--json` command to stdout. */
export function writeJson(io: CliIo, document: unknown): void {
  io.stdout.write(`${JSON.stringify(document)}\n`);
}

/** Writes a result for a person to stdout, one line per entry. */
export function writeResult(io: CliIo, lines: readonly string[]): void {
  io.stdout.write(lines.map((line) => `${line}\n`).join(''));
}

/** Writes a note for a person (not a result) to stderr. */
export function writeNote(io: CliIo, text: string): void {
  io.stderr.write(`${text}\n`);
}

/** Lines `label  value` with the values aligned, for human output. */
export function aligned(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}

/** The command group `name` of `resell` (e.g. `partner`), created by the first command file that needs it. */
export function commandGroup(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** Parser of a positive whole-number id (1 to 2^31−1). */
export function idArgument(what: string): (value: string) => number {
  return (value) => {
    const id = Number(value);
    if (!/^\d+$/.test(value.trim()) || id < 1 || id > MAX_ID) throw new InvalidArgumentError(`${what} must be a positive whole number`);
    return id;
  };
}

/** Parser of a whole number from `min` to `max`. */
export function wholeNumberArgument(what: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** Parser of a comma list (`fr,en`): trimmed, empty entries dropped. */
export function listArgument(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** Parser of a comma list of ids (`1,2`); an empty value means an empty list. */
export function idListArgument(what: string): (value: string) => number[] {
  const id = idArgument(what);
  return (value) => listArgument(value).map(id);
}
