import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvCellsOf, csvFeedStream } from './feed-csv.js';
import { csvHeaderOf, FEED_COLUMNS, type FeedColumn, type FeedEntry, type FeedFormat, type FeedProduct } from './feed.js';
import { feedProduct, readSlowly, SPARSE_FEED_PRODUCT } from '../../../test/support/feed-products.js';

const HEADER = csvHeaderOf(FEED_COLUMNS, null);
/** Bytes a feed stream may hold on its readable side: a high-water mark (16 or 64 KiB) and a row. */
const BUFFER_BOUND = 128 * 1024;

const product = feedProduct;
const SPARSE = SPARSE_FEED_PRODUCT;

function format(overrides: Partial<FeedFormat> = {}): FeedFormat {
  return {
    id: 1, partnerId: 1, name: 'feed', version: '2.4', output: 'csv', excel: false, charset: 'utf-8', separator: ',', delimiter: '"', eol: 'crlf',
    columns: [...FEED_COLUMNS], updatedAt: '2026-01-01T00:00:00Z', ...overrides,
  };
}

const entry = (p: FeedProduct): FeedEntry => ({ kind: 'product', product: p });

function byColumn(cells: string[], header: readonly string[] = HEADER): Record<string, string> {
  return Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '<missing>']));
}

/** The feed of entries written one at a time, or (`pages`) as arrays of entries, as a feed's pages are. */
async function feedBytes(f: FeedFormat, header: readonly string[], entries: FeedEntry[] | FeedEntry[][]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of Readable.from(entries).pipe(csvFeedStream(f, header))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('csvCellsOf', () => {
  it('fills every 2.4 column of a fully described product', () => {
    const expected: Record<FeedColumn, string> = {
      'Product ID': '811537',
      'Publisher ID': '12',
      'Publisher name': 'Microsoft',
      Name: 'Office Home',
      Misc: 'serialNumber:downloadManager:digitalLocker',
      'Creation date': '2025-11-02',
      'License lifetime': 'P1Y',
      Keywords: 'office, word',
      'Number of users': '5',
      Version: '2026',
      Code_EAN: '5026555057011',
      Type: '1',
      'Release date': '2026-01-15',
      'Total size': '1234.57',
      'Short description': 'Word and Excel',
      'Long description': 'Word, Excel and PowerPoint',
      Language: 'en',
      'Small image': 'https://cdn.example.com/s.png',
      'Medium image': 'https://cdn.example.com/m.png',
      'Big image': 'https://cdn.example.com/b.png',
      Screenshots: 'https://cdn.example.com/1.png:https://cdn.example.com/2.png',
      Categories: '7466:7467',
      'Price wo.VAT': '44.99',
      'Price public wo.VAT': '49.99',
      Currency: 'EUR',
      'Retailer price': '30.00',
      'Retailer price Currency': 'EUR',
      'System requirements _ Memory': '4096',
      'System requirements _ Disk space': '4000',
      'System requirements _ Operating system': '63:64',
      DRM: 'Microsoft account',
      Status: 'on_sale',
      'Subscription period': 'P1Y',
      New: '1',
      Top: '0',
      Promo: '1',
    };
    expect(byColumn(csvCellsOf(entry(product()), HEADER))).toEqual(expected);
  });

  it('leaves the cells of absent values empty and writes 0 for unset flags', () => {
    const expected: Record<FeedColumn, string> = {
      'Product ID': '900001', 'Publisher ID': '12', 'Publisher name': 'Tiny', Name: 'Extension', Misc: '', 'Creation date': '2025-11-02',
      'License lifetime': '', Keywords: '', 'Number of users': '', Version: '', Code_EAN: '', Type: '3', 'Release date': '',
      'Total size': '0.00', 'Short description': '', 'Long description': '', Language: '', 'Small image': '', 'Medium image': '',
      'Big image': '', Screenshots: '', Categories: '', 'Price wo.VAT': '4.99', 'Price public wo.VAT': '4.99', Currency: 'EUR',
      'Retailer price': '3.00', 'Retailer price Currency': 'EUR', 'System requirements _ Memory': '', 'System requirements _ Disk space': '',
      'System requirements _ Operating system': '', DRM: '', Status: 'pre_order', 'Subscription period': '', New: '0', Top: '0', Promo: '0',
    };
    expect(byColumn(csvCellsOf(entry(SPARSE), HEADER))).toEqual(expected);
  });

  it('fills only Product ID and Status (removed) for a product that left the list', () => {
    const cells = csvCellsOf({ kind: 'removed', ref: 724906 }, HEADER);
    expect(byColumn(cells)).toEqual({ ...Object.fromEntries(HEADER.map((c) => [c, ''])), 'Product ID': '724906', Status: 'removed' });
  });

  it('writes the cells in the order of the header, whatever columns the format picked', () => {
    const header = csvHeaderOf(['Status', 'Name', 'Product ID'], null);
    expect(csvCellsOf(entry(product()), header)).toEqual(['on_sale', 'Office Home', '811537']);
    expect(csvCellsOf({ kind: 'removed', ref: 5 }, header)).toEqual(['removed', '', '5']);
  });

  it('fills one description pair per language with ALL and lists the languages with ":"', () => {
    const header = csvHeaderOf(FEED_COLUMNS, ['en', 'fr', 'de']);
    const all = product({
      shortDescription: null, longDescription: null, languages: ['en', 'fr'],
      descriptions: { en: { short: 'Short EN', long: 'Long EN' }, fr: { short: 'Court FR', long: null } },
    });
    const cells = byColumn(csvCellsOf(entry(all), header), header);
    expect(header.slice(FEED_COLUMNS.length)).toEqual(['Short description EN', 'Long description EN', 'Short description FR', 'Long description FR', 'Short description DE', 'Long description DE']);
    expect(cells).toMatchObject({
      'Short description': '', 'Long description': '', Language: 'en:fr',
      'Short description EN': 'Short EN', 'Long description EN': 'Long EN',
      'Short description FR': 'Court FR', 'Long description FR': '',
      'Short description DE': '', 'Long description DE': '',
    });
  });

  it.each([
    ['EUR', 4499, '44.99'],
    ['EUR', 5, '0.05'],
    ['JPY', 4499, '4499'],
    ['KWD', 44990, '44.990'],
    ['KWD', 1, '0.001'],
  ])('writes %s %i minor units as "%s" in every price column', (currency, minor, text) => {
    const cells = byColumn(csvCellsOf(entry(product({ currency, saleMinor: minor, publicMinor: minor, retailerMinor: minor })), HEADER));
    expect([cells['Price wo.VAT'], cells['Price public wo.VAT'], cells['Retailer price']]).toEqual([text, text, text]);
    expect([cells.Currency, cells['Retailer price Currency']]).toEqual([currency, currency]);
  });

  it.each([
    [0, '0.00'],
    [4_999, '0.00'],
    [5_000, '0.01'],
    [500_000, '0.50'],
    [1_000_000, '1.00'],
    [4_294_967_296, '4294.97'],
  ])('writes a total size of %i bytes as %s MB', (bytes, text) => {
    expect(byColumn(csvCellsOf(entry(product({ totalSizeBytes: bytes })), HEADER))['Total size']).toBe(text);
  });

  it('refuses a header column that is not a 2.4 column', () => {
    expect(() => csvCellsOf(entry(product()), ['Product ID', 'Colour'])).toThrow(/Colour/);
  });
});

describe('csvFeedStream', () => {
  it('writes the header, then one row per entry, each ended by CRLF, and reads back to the same cells', async () => {
    const entries = [entry(product()), entry(SPARSE), { kind: 'removed', ref: 999 } as const];
    const text = (await feedBytes(format(), HEADER, entries)).toString('utf8');
    expect(text.startsWith('Product ID,Publisher ID,Publisher name,Name,Misc,')).toBe(true);
    expect(text.split('\r\n')).toHaveLength(5);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(parse(text)).toEqual([HEADER, ...entries.map((e) => csvCellsOf(e, HEADER))]);
  });

  it('quotes only the cells that need it, doubling the text delimiter inside them', async () => {
    const tricky = product({ name: 'Say "hi"', keywords: 'a,b', version: 'line\none', drm: 'cr\ronly', publisherName: 'Plain' });
    const header = csvHeaderOf(['Publisher name', 'Name', 'Keywords', 'Version', 'DRM'], null);
    const text = (await feedBytes(format({ eol: 'lf' }), header, [entry(tricky)])).toString('utf8');
    expect(text).toBe('Publisher name,Name,Keywords,Version,DRM\nPlain,"Say ""hi""","a,b","line\none","cr\ronly"\n');
  });

  it('quotes a cell holding a lone LF, a lone CR or a CR at its end in a CRLF feed, and reads back to the same cells', async () => {
    const tricky = product({ name: 'line\none', keywords: 'cr\ronly', version: 'ends\r', drm: 'both\r\nhere', publisherName: 'Plain' });
    const header = csvHeaderOf(['Publisher name', 'Name', 'Keywords', 'Version', 'DRM'], null);
    const text = (await feedBytes(format(), header, [entry(tricky)])).toString('utf8');
    expect(text).toBe('Publisher name,Name,Keywords,Version,DRM\r\nPlain,"line\none","cr\ronly","ends\r","both\r\nhere"\r\n');
    expect(parse(text)).toEqual([header, csvCellsOf(entry(tricky), header)]);
  });

  it('uses a custom separator and text delimiter, and reads back with the same dialect', async () => {
    const tricky = product({ name: "It's | here", keywords: 'plain "double" quotes, commas', version: 'multi\r\nline' });
    const header = csvHeaderOf(FEED_COLUMNS, ['en', 'fr']);
    const all = { ...tricky, descriptions: { fr: { short: "L'été", long: 'a|b' } } };
    const f = format({ separator: '|', delimiter: "'", eol: 'lf' });
    const text = (await feedBytes(f, header, [entry(all)])).toString('utf8');
    expect(text).toContain("|'It''s | here'|");
    expect(text).toContain('|plain "double" quotes, commas|');
    expect(text).toContain("|'L''été'|'a|b'\n");
    expect(parse(text, { delimiter: '|', quote: "'", escape: "'" })).toEqual([header, csvCellsOf(entry(all), header)]);
  });

  it('quotes the cells holding a separator that is a regular-expression character, and only those', async () => {
    const header = csvHeaderOf(['Product ID', 'Name', 'Price wo.VAT', 'Keywords'], null);
    const text = (await feedBytes(format({ separator: '.', eol: 'lf' }), header, [entry(product({ name: 'Office', keywords: 'a|b*c' }))])).toString('utf8');
    expect(text).toBe('Product ID.Name."Price wo.VAT".Keywords\n811537.Office."44.99".a|b*c\n');
  });

  it('writes pages (arrays of entries) exactly as it writes their entries one at a time', async () => {
    const entries: FeedEntry[] = [entry(product()), entry(SPARSE), { kind: 'removed', ref: 999 }, entry(product({ ref: 811538, name: 'Say "hi", é' }))];
    for (const f of [format(), format({ excel: true }), format({ charset: 'iso-8859-1' })]) {
      expect(await feedBytes(f, HEADER, [entries.slice(0, 3), [], entries.slice(3)])).toEqual(await feedBytes(f, HEADER, entries));
    }
  });

  it('writes a page many times larger than its first buffer whole, in UTF-8 and in ISO-8859-1', async () => {
    // 2,000 UTF-16 units, 4,400 UTF-8 bytes: a page of 300 is about 1.3 MB against a first buffer of 64 KiB.
    const long = 'é€😀 '.repeat(400);
    const entries = Array.from({ length: 300 }, (_, i) => entry(product({ ref: i + 1, longDescription: `${i} ${long}` })));
    const utf8 = await feedBytes(format(), HEADER, [entries]);
    expect(utf8.length).toBeGreaterThan(1024 * 1024);
    expect(parse(utf8.toString('utf8'))).toEqual([HEADER, ...entries.map((e) => csvCellsOf(e, HEADER))]);
    const latin1 = await feedBytes(format({ charset: 'iso-8859-1' }), HEADER, [entries]);
    expect(latin1.toString('latin1')).toBe(utf8.toString('utf8').replace(/[\u{100}-\u{10FFFF}]/gu, '?'));
  });

  it('ends rows with LF only when the format says lf', async () => {
    const text = (await feedBytes(format({ eol: 'lf' }), HEADER, [entry(product()), entry(SPARSE)])).toString('utf8');
    expect(text).not.toContain('\r');
    expect(text.split('\n')).toHaveLength(4);
  });

  it('writes Excel feeds as UTF-8 with a BOM, ";" and CRLF whatever the format says', async () => {
    const f = format({ excel: true, separator: '\t', eol: 'lf', charset: 'iso-8859-1' });
    const bytes = await feedBytes(f, csvHeaderOf(['Product ID', 'Name', 'Keywords'], null), [entry(product({ name: 'Café €', keywords: 'a;b' }))]);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).toBe('Product ID;Name;Keywords\r\n811537;Café €;"a;b"\r\n');
  });

  it('writes the header (and the BOM) even when there is no entry', async () => {
    expect((await feedBytes(format(), ['Product ID', 'Name'], [])).toString('utf8')).toBe('Product ID,Name\r\n');
    expect([...(await feedBytes(format({ excel: true }), ['Product ID', 'Name'], []))]).toEqual([0xef, 0xbb, 0xbf, ...Buffer.from('Product ID;Name\r\n')]);
  });

  it('encodes ISO-8859-1 feeds byte per character, with "?" for what Latin-1 cannot say', async () => {
    const header = csvHeaderOf(['Name'], null);
    const bytes = await feedBytes(format({ charset: 'iso-8859-1' }), header, [entry(product({ name: 'Café € 😀 \uD800x' }))]);
    const expected = Buffer.concat([Buffer.from('Name\r\n', 'ascii'), Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x3f, 0x20, 0x3f, 0x20, 0x3f, 0x78]), Buffer.from('\r\n')]);
    expect(bytes).toEqual(expected);
  });

  it('writes UTF-8 feeds as UTF-8', async () => {
    const bytes = await feedBytes(format(), ['Name'], [entry(product({ name: 'é€😀' }))]);
    expect(bytes).toEqual(Buffer.from('Name\r\né€😀\r\n', 'utf8'));
  });

  it('keeps its buffers bounded while 20,000 entries go to a slow reader (backpressure)', async () => {
    const { received, records: rows, waits, maxReadable, maxWritable } = await readSlowly(
      csvFeedStream(format(), HEADER), 20_000, (ref) => entry(product({ ref })), (text) => text.split('\r\n').length - 1,
    );
    expect(rows).toBe(20_001);
    expect(waits).toBeGreaterThan(0);
    // Bounds far below the feed's size (about 9 MB), so an unbounded buffer cannot pass unnoticed.
    expect(received).toBeGreaterThan(20 * BUFFER_BOUND);
    expect(maxReadable).toBeLessThanOrEqual(BUFFER_BOUND);
    expect(maxWritable).toBeLessThanOrEqual(32);
  });
});
