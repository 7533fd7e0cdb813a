import { Transform, type TransformCallback } from 'node:stream';
import xmlbuilder from 'xmlbuilder';
import { DELIVERY_MODES, FEED_VERSION, priceText, totalSizeMb, type FeedEntry, type FeedProduct } from './feed.js';

// XML output of a product feed (feeds.md §XML), valid against feed-2.4.xsd next to this file: one
// element per CSV column, in the CSV's order; an element whose value is null or empty is left out.

// Everything XML 1.0 allows (tab, LF, CR and the ranges of its Char production); the rest — other
// control characters, U+FFFE/U+FFFF, lone surrogates — would make the whole feed unreadable.
const NOT_XML = /[^\t\n\r\u{20}-\u{D7FF}\u{E000}-\u{FFFD}\u{10000}-\u{10FFFF}]/gu;

/** A value as XML text or attribute: '' for null, the characters XML forbids dropped (xmlbuilder escapes the rest). */
function xmlText(value: string | number | null): string {
  return value === null ? '' : String(value).replace(NOT_XML, '');
}

type XMLBuilderCB = xmlbuilder.XMLDocumentCB;
type Attributes = Record<string, string>;

/** `<name>text</name>`, or nothing when the text (already through xmlText) is empty. */
function leaf(xml: XMLBuilderCB, name: string, text: string, attributes: Attributes = {}): void {
  if (text === '') return;
  xml.ele(name, attributes).txt(text).up();
}

/** `<name><item>…</item>…</name>` for the values that are not empty, or nothing when none is left. */
function list(xml: XMLBuilderCB, name: string, item: string, values: readonly (string | number | null)[]): void {
  const texts = values.map(xmlText).filter((text) => text !== '');
  if (texts.length === 0) return;
  xml.ele(name);
  for (const text of texts) leaf(xml, item, text);
  xml.up();
}

const bool = (value: boolean): string => (value ? 'true' : 'false');
const wholeMb = (mb: number | null): string => (mb === null ? '' : String(Math.round(mb)));

function descriptions(xml: XMLBuilderCB, p: FeedProduct, part: 'short' | 'long'): void {
  const name = part === 'short' ? 'shortDescription' : 'longDescription';
  const own = part === 'short' ? p.shortDescription : p.longDescription;
  const language = p.languages[0];
  leaf(xml, name, xmlText(own), language === undefined ? {} : { lang: xmlText(language) });
  for (const [lang, texts] of Object.entries(p.descriptions)) leaf(xml, name, xmlText(texts[part]), { lang: xmlText(lang) });
}

function writeProduct(xml: XMLBuilderCB, p: FeedProduct): void {
  xml.ele('product', { id: String(p.ref) });
  leaf(xml, 'publisherId', xmlText(p.publisherId));
  leaf(xml, 'publisherName', xmlText(p.publisherName));
  leaf(xml, 'name', xmlText(p.name));
  leaf(xml, 'creationDate', xmlText(p.creationDate));
  leaf(xml, 'licenseLifetime', xmlText(p.licenseLifetime));
  leaf(xml, 'keywords', xmlText(p.keywords));
  leaf(xml, 'numberOfUsers', xmlText(p.numberOfUsers));
  leaf(xml, 'version', xmlText(p.version));
  leaf(xml, 'ean', xmlText(p.ean));
  leaf(xml, 'type', xmlText(p.type));
  leaf(xml, 'releaseDate', xmlText(p.releaseDate));
  leaf(xml, 'totalSize', totalSizeMb(p.totalSizeBytes));
  descriptions(xml, p, 'short');
  descriptions(xml, p, 'long');
  list(xml, 'languages', 'language', p.languages);
  const images = (['small', 'medium', 'big'] as const)
    .map((size) => [size, xmlText(p.images[size])] as const)
    .filter(([, text]) => text !== '');
  if (images.length > 0) {
    xml.ele('images');
    for (const [size, text] of images) leaf(xml, size, text);
    xml.up();
  }
  list(xml, 'screenshots', 'screenshot', p.screenshots);
  list(xml, 'categories', 'category', p.categoryIds);
  const currency = xmlText(p.currency);
  xml.ele('prices');
  leaf(xml, 'price', priceText(p.saleMinor, p.currency), { type: 'sale', currency });
  leaf(xml, 'price', priceText(p.publicMinor, p.currency), { type: 'public', currency });
  leaf(xml, 'price', priceText(p.retailerMinor, p.currency), { type: 'retailer', currency });
  xml.up();
  if (p.memoryMb !== null || p.diskMb !== null || p.osIds.length > 0) {
    xml.ele('systemRequirements');
    leaf(xml, 'memory', wholeMb(p.memoryMb));
    leaf(xml, 'diskSpace', wholeMb(p.diskMb));
    list(xml, 'operatingSystems', 'operatingSystem', p.osIds);
    xml.up();
  }
  leaf(xml, 'drm', xmlText(p.drm));
  const d = p.delivery;
  xml.ele('deliveryMode', Object.fromEntries(DELIVERY_MODES.map((mode) => [mode, bool(d[mode])]))).up();
  leaf(xml, 'status', p.status);
  const period = xmlText(p.subscriptionPeriod);
  if (period !== '') xml.ele('subscription', { period }).up();
  xml.ele('flags', { new: bool(p.flags.new), top: bool(p.flags.top), promo: bool(p.flags.promo) }).up();
  xml.up();
}

function writeEntry(xml: XMLBuilderCB, entry: FeedEntry): void {
  if (entry.kind === 'product') return writeProduct(xml, entry.product);
  xml.ele('product', { id: String(entry.ref) }).ele('status').txt('removed').up().up();
}

/**
 * Serialises entries with xmlbuilder's callback writer (it keeps no tree: each element is written as
 * it is closed). Its chunks are gathered per written chunk (an entry, or an array of them: a page) and
 * pushed as one buffer, so the stream's own buffering (and so backpressure) counts whole products.
 */
class XmlFeedStream extends Transform {
  #pending = '';
  #failure: Error | undefined;
  readonly #xml: XMLBuilderCB;

  constructor(generatedAt: string) {
    // One chunk (a page) waiting on the writable side is enough to keep the writer busy.
    super({ writableObjectMode: true, writableHighWaterMark: 1 });
    this.#xml = xmlbuilder.begin({ invalidCharReplacement: '' }, (chunk: string) => {
      this.#pending += chunk;
    });
    this.#xml.dec('1.0', 'UTF-8').ele('catalog', { version: FEED_VERSION, generated: xmlText(generatedAt) });
  }

  override _transform(chunk: FeedEntry | readonly FeedEntry[], _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#write(() => {
      if (Array.isArray(chunk)) for (const entry of chunk as readonly FeedEntry[]) writeEntry(this.#xml, entry);
      else writeEntry(this.#xml, chunk as FeedEntry);
    }, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#write(() => this.#xml.end(), callback);
  }

  #write(step: () => void, callback: TransformCallback): void {
    try {
      step();
    } catch (error) {
      this.#failure ??= error instanceof Error ? error : new Error(String(error));
    }
    this.#release(callback);
  }

  #release(callback: TransformCallback): void {
    if (this.#failure) return callback(this.#failure);
    const chunk = this.#pending;
    this.#pending = '';
    callback(null, chunk === '' ? undefined : Buffer.from(chunk, 'utf8'));
  }
}

/**
 * A Transform taking FeedEntry objects (or arrays of them) and giving an XML feed in UTF-8: the declaration and
 * `<catalog version="2.4" generated="…">`, one `<product>` per entry, then `</catalog>` at the end.
 */
export function xmlFeedStream(generatedAt: string): Transform {
  return new XmlFeedStream(generatedAt);
}
