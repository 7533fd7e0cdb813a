import type { Clock } from '../../src/shared/clock.js';

/** The clock tests hold: time moves only when the test says so. */
export type FixedClock = Clock & { set(iso: string): void; advance(ms: number): void };

export function fixedClock(iso: string): FixedClock {
  let current = new Date(iso).getTime();
  return {
    now: () => new Date(current),
    set: (next) => { current = new Date(next).getTime(); },
    advance: (ms) => { current += ms; },
  };
}

export const SECOND = 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
