/** One turn of the event loop, from the first caller that asked in it to its end. */
export type Turn = {
  /** Whether the turn is over: the event loop went on to read further I/O. */
  readonly ended: boolean;
  /** Resolves at the end of the turn, for every caller of the turn at once. */
  readonly end: Promise<void>;
};

let current: { ended: boolean; end: Promise<void> } | undefined;

/** The turn of the event loop running now. */
export function thisTurn(): Turn {
  if (current) return current;
  const turn = { ended: false, end: Promise.resolve() };
  turn.end = new Promise((resolve) => setImmediate(() => {
    turn.ended = true;
    current = undefined;
    resolve();
  }));
  current = turn;
  return turn;
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
  if (!turn.ended) await turn.end;
}
