/** One turn of the event loop: resolves at its end, for every caller of the turn at once. */
export type Turn = Promise<void>;

/** The turn running now; undefined again once it ended. */
let current: Turn | undefined;

/** The turn of the event loop running now. */
export function thisTurn(): Turn {
  current ??= new Promise((resolve) => setImmediate(() => {
    current = undefined;
    resolve();
  }));
  return current;
}

/**
 * Waits, when `turn` is still running, for its end: an answer ready in the turn its request was read
 * in (a read answered from memory) then leaves in one burst with the turn's other answers, instead of
 * being written while the server still reads the turn's other requests. The peer of a busy server (a
 * reverse proxy on the same host, a load generator) is thus woken once for the burst rather than once
 * per answer, which on loopback cost about a third of the server's CPU for a cached read (bench/README.md,
 * item 40). An answer that already waited for I/O (a database round trip, a group commit) is sent at
 * once: it is in such a burst already.
 */
export async function answerAtEndOf(turn: Turn): Promise<void> {
  if (turn === current) await turn;
}
