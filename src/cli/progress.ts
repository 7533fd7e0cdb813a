import cliProgress from 'cli-progress';
import type { CliIo } from './context.js';

/** Progress of reading a file: counters shown beside the share of bytes read. */
export type FileProgress = { update(bytesRead: number, counts: Readonly<Record<string, number>>): void; stop(): void };

/**
 * Progress on stderr, as product.md says: a bar on a terminal; elsewhere one plain line each time
 * another tenth of the file has been read.
 */
export function fileProgress(io: CliIo, label: string, totalBytes: number): FileProgress {
  const total = Math.max(totalBytes, 1);
  const describe = (counts: Readonly<Record<string, number>>) => Object.entries(counts).map(([name, n]) => `${n} ${name}`).join(', ');
  if (io.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream: io.stderr as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% | {counts}`,
      hideCursor: true,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { counts: '' });
    return { update: (bytes, counts) => bar.update(Math.min(bytes, total), { counts: describe(counts) }), stop: () => bar.stop() };
  }
  let reportedTenths = 0;
  return {
    update(bytes, counts) {
      const tenths = Math.min(10, Math.floor((Math.min(bytes, total) * 10) / total));
      if (tenths <= reportedTenths) return;
      reportedTenths = tenths;
      io.stderr.write(`${label}: ${tenths * 10}% read, ${describe(counts)}\n`);
    },
    stop() {},
  };
}
