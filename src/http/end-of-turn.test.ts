import { describe, expect, it } from 'vitest';
import { answerAtEndOf, thisTurn } from './end-of-turn.js';

describe('answerAtEndOf', () => {
  it('releases the answers of one turn at once, after the turn, in one burst', async () => {
    const events: string[] = [];
    const turn = thisTurn();
    const first = answerAtEndOf(turn).then(() => events.push('first answered'));
    const between = new Promise<void>((resolve) => setImmediate(() => resolve(void events.push('other work'))));
    const second = answerAtEndOf(thisTurn()).then(() => events.push('second answered'));
    expect(events).toEqual([]);
    await Promise.all([first, between, second]);
    expect(events).toEqual(['first answered', 'second answered', 'other work']);
  });

  it('answers at once when the turn its request was read in is already over', async () => {
    const turn = thisTurn();
    expect(thisTurn()).toBe(turn);
    await turn;
    let later = false;
    setImmediate(() => { later = true; });
    await answerAtEndOf(turn);
    expect(later).toBe(false);
    const next = thisTurn();
    expect(next).not.toBe(turn);
    await answerAtEndOf(next);
    expect(later).toBe(true);
  });
});
