import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xmlFeedStream } from './feed-xml.js';
import type { FeedEntry, FeedProduct } from './feed.js';
import { feedProduct, readSlowly, SPARSE_FEED_PRODUCT } from '../../../test/support/feed-products.js';
import { feedSchemaErrors, xmllint } from '../../../test/support/xmllint.js';

const GENERATED = '2026-03-01T06:00:00Z';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const CATALOG = `<catalog version="2.4" generated="${GENERATED}">`;

const schemaErrors = feedSchemaErrors;

function isWellFormed(xml: string): boolean {
  return xmllint(['--noout'], xml).status === 0;
}

/** The string value of an XPath expression, as libxml2 parses the document. */
function xpath(xml: string, expression: string): string {
  const run = xmllint(['--xpath', `concat('[', ${expression}, ']')`], xml);
  expect(run.stderr).toBe('');
  return run.stdout.replace(/^\[/, '').replace(/]\n?$/, '');
}

const product = feedProduct;
const SPARSE = SPARSE_FEED_PRODUCT;

const FULL_XML = '<product id="811537"><publisherId>12</publisherId><publisherName>Microsoft</publisherName><name>Office Home</name>'
  + '<creationDate>2025-11-02</creationDate><licenseLifetime>P1Y</licenseLifetime><keywords>office, word</keywords>'
  + '<numberOfUsers>5</numberOfUsers><version>2026</version><ean>5026555057011</ean><type>1</type><releaseDate>2026-01-15</releaseDate>'
  + '<totalSize>1234.57</totalSize><shortDescription lang="en">Word and Excel</shortDescription>'
  + '<longDescription lang="en">Word, Excel and PowerPoint</longDescription><languages><language>en</language></languages>'
  + '<images><small>https://cdn.example.com/s.png</small><medium>https://cdn.example.com/m.png</medium><big>https://cdn.example.com/b.png</big></images>'
  + '<screenshots><screenshot>https://cdn.example.com/1.png</screenshot><screenshot>https://cdn.example.com/2.png</screenshot></screenshots>'
  + '<categories><category>7466</category><category>7467</category></categories>'
  + '<prices><price type="sale" currency="EUR">44.99</price><price type="public" currency="EUR">49.99</price><price type="retailer" currency="EUR">30.00</price></prices>'
  + '<systemRequirements><memory>4096</memory><diskSpace>4000</diskSpace>'
  + '<operatingSystems><operatingSystem>63</operatingSystem><operatingSystem>64</operatingSystem></operatingSystems></systemRequirements>'
  + '<drm>Microsoft account</drm><deliveryMode serialNumber="true" downloadLink="false" downloadManager="true" digitalLocker="true"/>'
  + '<status>on_sale</status><subscription period="P1Y"/><flags new="true" top="false" promo="true"/></product>';

const SPARSE_XML = '<product id="900001"><publisherId>12</publisherId><publisherName>Tiny</publisherName><name>Extension</name>'
  + '<creationDate>2025-11-02</creationDate><type>3</type><totalSize>0.00</totalSize>'
  + '<prices><price type="sale" currency="EUR">4.99</price><price type="public" currency="EUR">4.99</price><price type="retailer" currency="EUR">3.00</price></prices>'
  + '<deliveryMode serialNumber="false" downloadLink="false" downloadManager="false" digitalLocker="false"/>'
  + '<status>pre_order</status><flags new="false" top="false" promo="false"/></product>';

const entry = (p: FeedProduct): FeedEntry => ({ kind: 'product', product: p });

/** The feed of entries written one at a time, or (`pages`) as arrays of entries, as a feed's pages are. */
async function feedXml(entries: FeedEntry[] | FeedEntry[][]): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of Readable.from(entries).pipe(xmlFeedStream(GENERATED))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('xmlFeedStream', () => {
  it('finds xmllint (Debian libxml2-utils), which the schema tests below need', () => {
    expect(xmllint(['--version'], '').stderr).toMatch(/libxml/);
  });

  it('writes every element of a full product, only the present ones of a sparse one, and a removed one', async () => {
    const xml = await feedXml([entry(product()), entry(SPARSE), { kind: 'removed', ref: 724906 }]);
    expect(xml).toBe(`${DECLARATION}${CATALOG}${FULL_XML}${SPARSE_XML}<product id="724906"><status>removed</status></product></catalog>`);
    expect(schemaErrors(xml)).toBeNull();
  });

  it('writes pages (arrays of entries) exactly as it writes their entries one at a time', async () => {
    const entries: FeedEntry[] = [entry(product()), entry(SPARSE), { kind: 'removed', ref: 724906 }, entry(product({ ref: 811538 }))];
    expect(await feedXml([entries.slice(0, 3), [], entries.slice(3)])).toBe(await feedXml(entries));
  });

  it('writes a catalog without products when there is no entry', async () => {
    const xml = await feedXml([]);
    expect(xml).toBe(`${DECLARATION}<catalog version="2.4" generated="${GENERATED}"/>`);
    expect(schemaErrors(xml)).toBeNull();
  });

  it('writes one description per language of an ALL feed, short ones first', async () => {
    const all = product({
      shortDescription: null, longDescription: null, languages: ['en', 'fr'],
      descriptions: { en: { short: 'Short EN', long: 'Long EN' }, fr: { short: 'Court FR', long: null } },
    });
    const xml = await feedXml([entry(all)]);
    expect(xml).toContain('<totalSize>1234.57</totalSize><shortDescription lang="en">Short EN</shortDescription><shortDescription lang="fr">Court FR</shortDescription>'
      + '<longDescription lang="en">Long EN</longDescription><languages><language>en</language><language>fr</language></languages>');
    expect(schemaErrors(xml)).toBeNull();
  });

  it.each([
    ['JPY', 4499, '4499'],
    ['KWD', 44990, '44.990'],
    ['EUR', 5, '0.05'],
  ])('writes %s prices with the currency\'s decimals', async (currency, minor, text) => {
    const xml = await feedXml([entry(product({ currency, saleMinor: minor, publicMinor: minor, retailerMinor: minor }))]);
    expect(xml).toContain(`<prices><price type="sale" currency="${currency}">${text}</price><price type="public" currency="${currency}">${text}</price><price type="retailer" currency="${currency}">${text}</price></prices>`);
    expect(schemaErrors(xml)).toBeNull();
  });

  it('escapes text so a parser reads back exactly what was written, entity-like text included', async () => {
    const name = 'AT&amp;T <b>bold</b> & "double" \'single\' ]]> &lt; &#233; 😀 é\ttab';
    const xml = await feedXml([entry(product({ name, keywords: '&', drm: '<![CDATA[x]]>' }))]);
    expect(schemaErrors(xml)).toBeNull();
    expect(xpath(xml, 'string(/catalog/product/name)')).toBe(name);
    expect(xpath(xml, 'string(/catalog/product/keywords)')).toBe('&');
    expect(xpath(xml, 'string(/catalog/product/drm)')).toBe('<![CDATA[x]]>');
  });

  it('drops the characters XML 1.0 forbids, so the feed stays well-formed', async () => {
    const dirty = 'a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg\uFFFEh\uFFFFi\uD800j\uDFFFk';
    const xml = await feedXml([entry(product({ name: dirty, screenshots: ['\u0001', 'ok'], images: { small: '\u0002', medium: null, big: 'b' } }))]);
    expect(schemaErrors(xml)).toBeNull();
    expect(xpath(xml, 'string(/catalog/product/name)')).toBe('abcdefghijk');
    expect(xml).toContain('<images><big>b</big></images><screenshots><screenshot>ok</screenshot></screenshots>');
  });

  it('leaves out an element whose text is nothing but forbidden characters', async () => {
    const xml = await feedXml([entry(product({ keywords: '\u0001\u0002', drm: '\uFFFF', screenshots: ['\u0003'], images: { small: '\u0004', medium: null, big: null } }))]);
    expect(xml).not.toMatch(/<keywords|<drm|<screenshots|<images/);
    expect(schemaErrors(xml)).toBeNull();
  });

  it('escapes attribute values too', async () => {
    const xml = await feedXml([entry(product({ subscriptionPeriod: 'P1Y"&amp;<\u0001' }))]);
    expect(isWellFormed(xml)).toBe(true);
    expect(xpath(xml, 'string(/catalog/product/subscription/@period)')).toBe('P1Y"&amp;<');
  });

  it('writes feeds the schema accepts whatever the free texts hold', async () => {
    const text = fc.option(fc.string({ unit: 'binary', maxLength: 12 }), { nil: null });
    const products = fc.sample(fc.record({
      name: fc.string({ unit: 'binary', maxLength: 12 }), keywords: text, version: text, drm: text, shortDescription: text,
      screenshots: fc.array(fc.string({ unit: 'binary', maxLength: 8 }), { maxLength: 3 }),
      small: text, big: text, fr: text,
    }), { numRuns: 150, seed: 2401 });
    const entries = products.map((p, i) => entry(product({
      ref: i + 1, name: p.name, keywords: p.keywords, version: p.version, drm: p.drm, shortDescription: p.shortDescription,
      screenshots: p.screenshots, images: { small: p.small, medium: null, big: p.big }, descriptions: { fr: { short: p.fr, long: p.fr } },
    })));
    expect(schemaErrors(await feedXml(entries))).toBeNull();
  });

  it('keeps its buffers bounded while 20,000 entries go to a slow reader (backpressure)', async () => {
    const { received, records: products, waits, maxReadable, maxWritable } = await readSlowly(
      xmlFeedStream(GENERATED), 20_000, (ref) => entry(product({ ref })), (text) => text.split('</product>').length - 1,
    );
    // Bounds far below the feed's size (about 20 MB), so an unbounded buffer cannot pass unnoticed.
    const bound = 128 * 1024;
    expect(products).toBe(20_000);
    expect(waits).toBeGreaterThan(0);
    expect(received).toBeGreaterThan(10 * bound);
    expect(maxReadable).toBeLessThanOrEqual(bound);
    expect(maxWritable).toBeLessThanOrEqual(32);
  });
});

describe('feed-2.4.xsd', () => {
  const edits: [string, (xml: string) => string][] = [
    ['a product without id', (xml) => xml.replace('<product id="811537">', '<product>')],
    ['an id that is not a positive integer', (xml) => xml.replace('<product id="811537">', '<product id="0">')],
    ['an unknown status', (xml) => xml.replace('<status>on_sale</status>', '<status>sold_out</status>')],
    ['a removed product with an unknown status', (xml) => xml.replace('<status>removed</status>', '<status>gone</status>')],
    ['a category that is not a number', (xml) => xml.replace('<category>7466</category>', '<category>antivirus</category>')],
    ['a price type that does not exist', (xml) => xml.replace('type="public"', 'type="wholesale"')],
    ['a currency in lower case', (xml) => xml.replace('currency="EUR">44.99', 'currency="eur">44.99')],
    ['an amount that is not a number', (xml) => xml.replace('>44.99<', '>44,99<')],
    ['a date that does not exist', (xml) => xml.replace('<releaseDate>2026-01-15</releaseDate>', '<releaseDate>2026-13-15</releaseDate>')],
    ['a subscription period that is not an ISO 8601 duration', (xml) => xml.replace('period="P1Y"', 'period="1 year"')],
    ['a subscription period with a time part', (xml) => xml.replace('period="P1Y"', 'period="PT12H"')],
    ['a flag that is not true or false', (xml) => xml.replace('new="true"', 'new="yes"')],
    ['a missing delivery mode flag', (xml) => xml.replace(' digitalLocker="true"', '')],
    ['a total size without its two decimals', (xml) => xml.replace('<totalSize>1234.57</totalSize>', '<totalSize>1234.5</totalSize>')],
    ['an EAN with letters', (xml) => xml.replace('<ean>5026555057011</ean>', '<ean>EAN5026555</ean>')],
    ['a language that is not a two-letter code', (xml) => xml.replace('lang="en">Word and Excel', 'lang="english">Word and Excel')],
    ['elements out of order', (xml) => xml.replace('<publisherId>12</publisherId><publisherName>Microsoft</publisherName>', '<publisherName>Microsoft</publisherName><publisherId>12</publisherId>')],
    ['an element the schema does not know', (xml) => xml.replace('<drm>', '<colour>red</colour><drm>')],
    ['an empty element', (xml) => xml.replace('<keywords>office, word</keywords>', '<keywords></keywords>')],
    ['a product without prices', (xml) => xml.replace(/<prices>.*<\/prices>/, '')],
    ['the same price type twice', (xml) => xml.replace('type="public"', 'type="sale"')],
    ['the same product twice', (xml) => xml.replace('<product id="724906">', '<product id="811537">')],
    ['another feed version', (xml) => xml.replace('version="2.4"', 'version="2.3"')],
    ['a catalog without its generation time', (xml) => xml.replace(` generated="${GENERATED}"`, '')],
  ];

  it.each(edits)('rejects %s', async (_what, edit) => {
    const valid = await feedXml([entry(product()), { kind: 'removed', ref: 724906 }]);
    const invalid = edit(valid);
    expect(schemaErrors(valid)).toBeNull();
    expect(invalid).not.toBe(valid);
    expect(isWellFormed(invalid)).toBe(true);
    expect(schemaErrors(invalid)).toMatch(/fails to validate/);
  });
});
