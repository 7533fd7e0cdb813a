import { describe, expect, it } from 'vitest';
import { countsAsStart, linkRefusal, readRangeHeader, redirectCountsAsStart, resolveRange, sendsLastByte } from './download.js';
import { originFileName, storedFileName, uniqueNames } from './metalink.js';

describe('linkRefusal', () => {
  const active = { status: 'active', downloadEndsOn: '2026-07-06' };

  it('lets links work until 23:59:59.999 UTC of the end day, and refuses them from the next day', () => {
    expect(linkRefusal(active, new Date('2026-07-06T23:59:59.999Z'))).toBeUndefined();
    expect(linkRefusal(active, new Date('2026-07-07T00:00:00.000Z'))).toEqual({ reason: 'expired', endedOn: '2026-07-06' });
  });

  it('refuses every link of a cancelled order at once, whatever the window', () => {
    expect(linkRefusal({ status: 'cancelled', downloadEndsOn: '2026-07-06' }, new Date('2026-06-15T10:00:00Z'))).toEqual({ reason: 'cancelled' });
  });
});

describe('byte ranges', () => {
  const size = 1000;
  const range = (header: string | undefined) => resolveRange(readRangeHeader(header), size);

  it('reads single ranges: first-last, first-, a suffix; clamps the end to the file', () => {
    expect(range('bytes=0-99')).toEqual({ kind: 'part', start: 0, end: 99 });
    expect(range('bytes=900-')).toEqual({ kind: 'part', start: 900, end: 999 });
    expect(range('bytes=900-5000')).toEqual({ kind: 'part', start: 900, end: 999 });
    expect(range('bytes=-10')).toEqual({ kind: 'part', start: 990, end: 999 });
    expect(range('bytes=-5000')).toEqual({ kind: 'part', start: 0, end: 999 });
    expect(range('BYTES=5-5')).toEqual({ kind: 'part', start: 5, end: 5 });
  });

  it('ignores what it does not serve: no header, other units, several ranges, malformed ones', () => {
    for (const header of [undefined, 'items=0-1', 'bytes=0-1,5-6', 'bytes=5-1', 'bytes=-', 'bytes=a-b', 'bytes 0-1', '']) {
      expect(range(header), String(header)).toEqual({ kind: 'whole' });
    }
  });

  it('finds a range starting past the end, or an empty suffix, unsatisfiable', () => {
    expect(range('bytes=1000-')).toEqual({ kind: 'unsatisfiable' });
    expect(range('bytes=1000-2000')).toEqual({ kind: 'unsatisfiable' });
    expect(range('bytes=-0')).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange(readRangeHeader('bytes=0-'), 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('counts a start for the whole file or a range from byte 0, a completion when the last byte is sent', () => {
    expect(countsAsStart(range(undefined))).toBe(true);
    expect(countsAsStart(range('bytes=0-99'))).toBe(true);
    expect(countsAsStart(range('bytes=1-'))).toBe(false);
    expect(sendsLastByte(range(undefined), size)).toBe(true);
    expect(sendsLastByte(range('bytes=0-99'), size)).toBe(false);
    expect(sendsLastByte(range('bytes=500-'), size)).toBe(true);
    expect(sendsLastByte(range('bytes=-1'), size)).toBe(true);
    expect(redirectCountsAsStart(readRangeHeader(undefined))).toBe(true);
    expect(redirectCountsAsStart(readRangeHeader('bytes=0-'))).toBe(true);
    expect(redirectCountsAsStart(readRangeHeader('bytes=10-'))).toBe(false);
    expect(redirectCountsAsStart(readRangeHeader('bytes=-10'))).toBe(false);
  });
});

describe('Metalink file names', () => {
  it('takes the stored name of a local file and the last path segment of an origin URL, made safe', () => {
    expect(storedFileName(`${'a'.repeat(64)}/setup.exe`)).toBe('setup.exe');
    expect(originFileName('https://cdn.example.com/a/b/My%20Setup%20(x64).exe?sig=1')).toBe('My_Setup_x64_.exe');
    expect(originFileName('https://cdn.example.com/')).toBe('file');
    expect(originFileName('https://cdn.example.com/..%2F..%2Fetc%2Fpasswd')).toBe('passwd');
  });

  it('makes names unique within an order, ignoring case, without taking a name used later', () => {
    expect(uniqueNames(['a.exe', 'b.pdf'])).toEqual(['a.exe', 'b.pdf']);
    expect(uniqueNames(['a.exe', 'A.exe', 'a.exe'])).toEqual(['a.exe', 'A-2.exe', 'a-3.exe']);
    expect(uniqueNames(['a.exe', 'a.exe', 'a-2.exe'])).toEqual(['a.exe', 'a-3.exe', 'a-2.exe']);
    expect(uniqueNames(['README', 'README'])).toEqual(['README', 'README-2']);
  });
});
