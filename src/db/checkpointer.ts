import { EventEmitter, once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What one checkpoint did: WAL frames in the log, frames copied into the database, and whether a writer blocked it. */
export type CheckpointResult = { busy: number; log: number; checkpointed: number };

export type Checkpointer = {
  /** Emits `checkpoint` (with a CheckpointResult) after each periodic checkpoint. */
  readonly events: EventEmitter;
  /** Runs a checkpoint now and resolves with what it did. */
  checkpoint(): Promise<CheckpointResult>;
  /** Stops the thread and closes its connection. */
  stop(): Promise<void>;
};

// The thread's code, as text: it runs in the built server and under the test runner alike, without a
// separate file to compile. better-sqlite3 is loaded from the path the main thread resolved.
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
const timer = setInterval(() => parentPort.postMessage({ periodic: checkpoint() }), workerData.everyMs);
parentPort.on('message', (message) => {
  if (message === 'now') parentPort.postMessage({ asked: checkpoint() });
  if (message === 'stop') { clearInterval(timer); db.close(); parentPort.close(); }
});
`;

/**
 * Checkpoints the WAL of a SQLite file from a thread of its own, every `everyMs`. A checkpoint copies
 * the WAL back into the database and fsyncs it; run by the writers' connection it happens inside a
 * commit and holds up every request of the event loop meanwhile (up to 16 ms measured). A passive
 * checkpoint from another connection runs beside the writer and never blocks it. The writers'
 * connection keeps its own automatic checkpoint as a safety net, should this thread fall behind.
 */
export function startCheckpointer(file: string, options: { everyMs: number }): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_CODE, { eval: true, workerData: { file, driver, everyMs: options.everyMs } });
  const events = new EventEmitter();
  const exited = once(worker, 'exit').then(() => undefined);
  const asked: { resolve(result: CheckpointResult): void; reject(error: Error): void }[] = [];
  worker.on('message', (message: { periodic?: CheckpointResult; asked?: CheckpointResult }) => {
    if (message.periodic) events.emit('checkpoint', message.periodic);
    if (message.asked) asked.shift()?.resolve(message.asked);
  });
  // A failing checkpoint thread must not take the server down: the writers' own checkpoints go on.
  worker.on('error', (error) => events.emit('error', error));
  events.on('error', () => undefined);
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const waiting of asked.splice(0)) waiting.reject(new Error('the checkpoint thread has stopped'));
  });
  // The thread must not keep a stopping process alive.
  worker.unref();
  return {
    events,
    checkpoint() {
      return new Promise((resolve, reject) => {
        if (ended) return reject(new Error('the checkpoint thread has stopped'));
        asked.push({ resolve, reject });
        worker.postMessage('now');
      });
    },
    async stop() {
      // Referenced again while it stops: an event loop with nothing else to do would not wait for its exit.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
