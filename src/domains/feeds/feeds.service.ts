import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import type { Db, Tx } from '../../db/schema.js';
import type { Clock } from '../../shared/clock.js';
import { FeedRefusal, InputError, NotFound } from '../../shared/errors.js';
import { recordAudit } from '../audit/index.js';
import { categoryParents, findPosSalePrices, findProductPage, findPublishers, getMasterLanguage, type Publisher } from '../catalog/index.js';
import { findPointOfSale, isIpAllowed, type Caller, type TokensService } from '../partners/index.js';
import {
  ALL_LANGUAGES, checkFeedSettings, csvHeaderOf, DEFAULT_FEED_FORMAT, FEED_COLUMNS, FEED_VERSION,
  type FeedEntry, type FeedFormat, type FeedProductList, type FeedSettings,
} from './feed.js';
import { csvFeedStream } from './feed-csv.js';
import { feedProductOf, listedProduct, type FeedContext } from './feed-product.js';
import { xmlFeedStream } from './feed-xml.js';
import {
  catalogChangeMarks, catalogLanguages, findFeedFormat, findProductList, insertFeedFormat, insertProductList,
  listMembers, markFetchComplete, posCatalogChangedAt, saveMemberChanges, type ListMember,
} from './feeds.repository.js';

export type FeedsDeps = { clock: Clock; tokens: TokensService; publicUrl: string };

/** The query of a feed URL as it arrived, and who asks. */
export type FeedRequest = { secret?: string; provider?: string; config?: string; diff?: string; callerIp: string };

/** A feed ready to be sent: its validators, and the rows, read only once `open` is called. */
export type PreparedFeed = {
  etag: string;
  lastModified: Date;
  contentType: string;
  filename: string;
  /**
   * The feed's bytes, read from the database page by page as the consumer reads them; `ended`
   * resolves once no more rows will be read: all of them, or fewer when the consumer went away.
   */
  open(): { body: Readable; ended: Promise<FeedEnd> };
  /** Notes the fetch as sent to its last byte, for `diff=last`. */
  complete(): Promise<void>;
};

/** How the reading of a feed's rows ended. */
export type FeedEnd = { rows: number; complete: boolean };

/** Products read per page: bounds memory whatever the catalog size. */
const PAGE_SIZE = 500;

function positiveId(value: string, name: string): number {
  const id = Number(value);
  if (!/^\d{1,10}$/.test(value) || id < 1 || id >= 2 ** 31) throw new FeedRefusal('parameter_invalid', `${name} must be a positive whole number`);
  return id;
}

/** `diff`: `last`, or a date or date-time (UTC unless it carries `Z` or an offset); normalised to ISO UTC. */
function sinceOf(diff: string): string | 'last' {
  if (diff === 'last') return 'last';
  // An offset's `+` written raw in a URL arrives as a space.
  const text = diff.replace(/(\d) (\d{2}:?\d{2})$/, '$1+$2');
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text);
  const time = match ? Date.parse(`${match[1]}T${match[2] ?? '00:00'}${match[3] ?? 'Z'}`) : Number.NaN;
  if (Number.isNaN(time)) throw new FeedRefusal('parameter_invalid', 'diff must be a UTC date-time (e.g. 2026-11-01T00:00:00Z) or last');
  return new Date(time).toISOString();
}

function latest(...times: (string | null)[]): string {
  return times.reduce<string>((max, t) => (t !== null && t > max ? t : max), '1970-01-01T00:00:00.000Z');
}

export function feedsService({ clock, tokens, publicUrl }: FeedsDeps) {
  /** The caller of a feed URL, checked in the order of feeds.md: parameters, secret, IP, ownership. */
  async function authorise(db: Db, request: FeedRequest): Promise<{ caller: Caller; list: FeedProductList; format: FeedFormat; since: string | 'last' | null }> {
    for (const name of ['secret', 'provider', 'config'] as const) {
      if (request[name] === undefined || request[name]!.trim() === '') throw new FeedRefusal('parameter_missing', name);
    }
    const providerId = positiveId(request.provider!.trim(), 'provider');
    const configId = positiveId(request.config!.trim(), 'config');
    const since = request.diff === undefined || request.diff.trim() === '' ? null : sinceOf(request.diff.trim());
    const caller = await tokens.findCallerBySecret(db, request.secret!.trim());
    if (!caller) throw new FeedRefusal('secret_invalid');
    if (caller.partner.suspended || caller.pos.suspended) throw new FeedRefusal('suspended');
    if (!isIpAllowed(caller.pos.ipAllowList, request.callerIp)) throw new FeedRefusal('ip_not_allowed', request.callerIp);
    const [list, format] = await Promise.all([findProductList(db, providerId), findFeedFormat(db, configId)]);
    if (!list || list.partnerId !== caller.partner.id || list.posId !== caller.pos.id) throw new FeedRefusal('not_found', `provider ${providerId}`);
    if (!format || format.partnerId !== caller.partner.id) throw new FeedRefusal('not_found', `config ${configId}`);
    return { caller, list, format, since };
  }

  /**
   * The rows of a feed in ref order, page by page. Each page also records which products joined or
   * left the list, so a later `diff` can report removals; with `since`, only rows changed after it.
   */
  async function* entries(db: Db, readDb: Db, ctx: FeedContext, since: string | null, changedAt: string, now: string): AsyncGenerator<FeedEntry> {
    const { list, pos } = ctx;
    const publishers = new Map<number, Publisher>();
    const limit = list.maxProducts ?? Number.POSITIVE_INFINITY;
    const flag = list.kind === 'full' ? undefined : list.kind;
    let afterRef = 0;
    let listed = 0;
    for (;;) {
      const page = listed >= limit ? [] : await findProductPage(readDb, { afterRef, size: PAGE_SIZE, currency: pos.currency, ...(flag && { flag }) });
      const lastPage = page.length < PAGE_SIZE || listed >= limit;
      const upToRef = lastPage ? null : page[page.length - 1]!.ref;
      const missing = [...new Set(page.map((p) => p.publisherId))].filter((id) => !publishers.has(id));
      const [found, overrides, members] = await Promise.all([
        findPublishers(readDb, missing),
        findPosSalePrices(readDb, pos.id, page.map((p) => p.ref)),
        listMembers(readDb, list.id, afterRef, upToRef),
      ]);
      for (const [id, publisher] of found) publishers.set(id, publisher);

      const memberOf = new Map<number, ListMember>(members.map((m) => [m.ref, m]));
      const rows: { ref: number; entry: FeedEntry | null }[] = [];
      const joined: number[] = [];
      for (const product of page) {
        if (listed >= limit) break;
        const sellable = listedProduct(ctx, product, publishers.get(product.publisherId)!, overrides.get(product.ref));
        if (!sellable) continue;
        listed += 1;
        const member = memberOf.get(product.ref);
        memberOf.delete(product.ref);
        const addedAt = member && member.removedAt === null ? member.addedAt : now;
        if (addedAt === now) joined.push(product.ref);
        const released = product.status === 'pre_order' && product.releaseDate !== null && product.releaseDate <= ctx.today ? `${product.releaseDate}T00:00:00.000Z` : null;
        const changed = since === null || latest(product.updatedAt, addedAt, changedAt, released) > since;
        rows.push({ ref: product.ref, entry: changed ? { kind: 'product', product: feedProductOf(ctx, sellable) } : null });
      }
      // What is left of the members in this range is no longer in the list.
      const left: number[] = [];
      for (const member of memberOf.values()) {
        if (member.removedAt === null) left.push(member.ref);
        const removedAt = member.removedAt ?? now;
        rows.push({ ref: member.ref, entry: since !== null && removedAt > since ? { kind: 'removed', ref: member.ref } : null });
      }
      if (joined.length > 0 || left.length > 0) {
        await db.transaction().execute((tx) => saveMemberChanges(tx, list.id, joined, left, now));
      }
      rows.sort((a, b) => a.ref - b.ref);
      for (const row of rows) if (row.entry) yield row.entry;
      if (lastPage) return;
      afterRef = upToRef!;
    }
  }

  return {
    /**
     * Defines a feed: a feed format and a product list of one of the partner's POS, created together.
     * Defaults: CSV, every column, the whole POS catalog, the POS's master and description languages.
     * Throws InputError for a bad setting, NotFound for a POS the partner does not have.
     */
    async createFeed(tx: Tx, partnerId: number, posId: number, settings: FeedSettings, actor: string): Promise<{ format: FeedFormat; list: FeedProductList }> {
      const s = checkFeedSettings(settings);
      const pos = await findPointOfSale(tx, posId);
      if (!pos || pos.partnerId !== partnerId) throw new NotFound(`partner ${partnerId} has no point of sale ${posId}`);
      const now = clock.now().toISOString();
      const name = s.name?.trim() ?? `${pos.name} feed`;
      const language = s.language ?? pos.languages[0]!;
      // Descriptions follow an explicitly chosen feed language, else the POS's description language.
      const descriptionLanguage = s.descriptionLanguage ?? (s.language !== undefined && s.language !== ALL_LANGUAGES ? s.language : pos.descriptionLanguage);
      const format = await insertFeedFormat(tx, {
        partnerId, name, version: FEED_VERSION,
        output: s.output ?? DEFAULT_FEED_FORMAT.output,
        excel: s.excel ?? DEFAULT_FEED_FORMAT.excel,
        charset: s.charset ?? DEFAULT_FEED_FORMAT.charset,
        separator: s.separator ?? DEFAULT_FEED_FORMAT.separator,
        delimiter: s.delimiter ?? DEFAULT_FEED_FORMAT.delimiter,
        eol: s.eol ?? DEFAULT_FEED_FORMAT.eol,
        columns: (s.columns as FeedFormat['columns'] | undefined) ?? [...FEED_COLUMNS],
      }, now);
      if (format.separator === format.delimiter) throw new InputError('separator and text delimiter must differ');
      const list = await insertProductList(tx, {
        partnerId, posId, name,
        kind: s.kind ?? 'full',
        maxProducts: s.maxProducts ?? null,
        language,
        descriptionLanguage,
        categories: s.categories ?? [],
        publishers: s.publishers ?? [],
        refs: s.refs ?? [],
        nameFilter: s.nameFilter ?? null,
      }, now);
      await recordAudit(tx, clock.now(), { actor, action: 'feed.created', subject: `partner:${partnerId}`, detail: { posId, provider: list.id, config: format.id, settings: s } });
      return { format, list };
    },

    /** The URL a partner fetches a feed from; the POS secret is a placeholder (it is not stored in clear). */
    feedUrl(list: FeedProductList, format: FeedFormat): string {
      return `${publicUrl}/flow/getcatalog/v${FEED_VERSION}/?secret={secret}&provider=${list.id}&config=${format.id}`;
    },

    /**
     * Checks a feed URL (FeedRefusal: 400 parameter, 401 secret, 403 suspended or IP, 404 another
     * partner's list or format, or a list of another POS) and prepares the feed: its ETag and
     * Last-Modified, computed from change marks without reading the products.
     */
    async prepareFeed(dbs: { db: Db; readDb: Db }, request: FeedRequest): Promise<PreparedFeed> {
      const { db, readDb } = dbs;
      const { caller, list, format, since: asked } = await authorise(db, request);
      const startedAt = clock.now().toISOString();
      const today = startedAt.slice(0, 10);
      const [posChangedAt, marks, catalogLanguage, parentOf, languages] = await Promise.all([
        posCatalogChangedAt(readDb, caller.pos.id),
        catalogChangeMarks(readDb, today),
        getMasterLanguage(readDb),
        categoryParents(readDb),
        list.language === ALL_LANGUAGES ? catalogLanguages(readDb) : Promise.resolve(null),
      ]);
      const since = asked === 'last' ? list.lastCompleteFetchAt : asked;
      // A change to the list, its format or what the POS sells changes every row.
      const changedAt = latest(list.updatedAt, format.updatedAt, posChangedAt);
      const lastModified = latest(changedAt, marks.changedAt, marks.releasedOn && `${marks.releasedOn}T00:00:00.000Z`);
      const etag = createHash('sha256')
        .update(JSON.stringify([list.id, format.id, changedAt, marks, since, languages]))
        .digest('base64url').slice(0, 27);
      const ctx: FeedContext = { list, pos: caller.pos, catalogLanguage, parentOf, today };
      return {
        etag: `W/"${etag}"`,
        lastModified: new Date(lastModified),
        contentType: format.output === 'xml' ? 'application/xml' : `text/csv; charset=${format.excel ? 'utf-8' : format.charset}`,
        filename: `catalog-${list.id}-${format.id}.${format.output}`,
        open() {
          let rows = 0;
          let complete = false;
          const counted = async function* (source: AsyncGenerator<FeedEntry>) {
            for await (const entry of source) {
              rows += 1;
              yield entry;
            }
            complete = true;
          };
          const writer = format.output === 'xml' ? xmlFeedStream(startedAt) : csvFeedStream(format, csvHeaderOf(format.columns, languages));
          // A consumer that goes away destroys the writer, which stops the rows: no page is read after it.
          const ended = new Promise<FeedEnd>((resolve) => {
            pipeline(Readable.from(counted(entries(db, readDb, ctx, since, changedAt, startedAt))), writer, () => resolve({ rows, complete }));
          });
          return { body: writer, ended };
        },
        complete: () => markFetchComplete(db, list.id, startedAt),
      };
    },
  };
}

export type FeedsService = ReturnType<typeof feedsService>;
