import { describe, expect, it } from 'vitest';
import { setWithin } from './bounded-map.js';

describe('setWithin', () => {
  it('keeps the newest entries up to the limit and returns the one it dropped', () => {
    const map = new Map<string, number>();
    expect(setWithin(map, 'a', 1, 2)).toBeUndefined();
    expect(setWithin(map, 'b', 2, 2)).toBeUndefined();
    expect(setWithin(map, 'c', 3, 2)).toEqual(['a', 1]);
    expect([...map]).toEqual([['b', 2], ['c', 3]]);
  });

  it('replaces a key already held without dropping anything', () => {
    const map = new Map([['a', 1], ['b', 2]]);
    expect(setWithin(map, 'a', 9, 2)).toBeUndefined();
    expect(map.get('a')).toBe(9);
    expect(map.size).toBe(2);
  });
});
