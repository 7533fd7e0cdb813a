import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { isPostgres } from '../../db/engine.js';
import type { Db, Tx } from '../../db/schema.js';
import type { Clock } from '../../shared/clock.js';
import { FeedRefusal, InputError, NotFound } from '../../shared/errors.js';
import { recordAudit } from '../audit/index.js';
import { categoryParents, findPublishers, getMasterLanguage, type Publisher } from '../catalog/index.js';
import { findPointOfSale, isIpAllowed, type Caller, type TokensService } from '../partners/index.js';
import {
  ALL_LANGUAGES, checkFeedSettings, csvHeaderOf, DEFAULT_FEED_FORMAT, FEED_COLUMNS, FEED_VERSION,
  type FeedEntry, type FeedFormat, type FeedProductList, type FeedSettings,
} from './feed.js';
import { csvFeedStream } from './feed-csv.js';
import { feedProductOf, listedPrice, type FeedContext } from './feed-product.js';
import { xmlFeedStream } from './feed-xml.js';
import {
  catalogChangeMarks, catalogLanguages, findFeedFormat, findFeedPage, findFeedTail, findProductList, insertFeedFormat, insertProductList,
  markFetchComplete, posCatalogChangedAt, saveMemberChanges, type FeedPage, type ListMember,
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

/**
 * Products read per page: bounds memory whatever the catalog size. Small enough that a page's
 * objects die young (larger pages got promoted to the old generation and raised the peak RSS).
 */
export const FEED_PAGE_SIZE = 250;

/**
 * List members saved per transaction: one durable commit (an fsync on SQLite) per page took about 7%
 * of a 100,000-product feed's time.
 */
const MEMBER_BATCH = 5000;

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

/**
 * The list members a fetch found joined or left, saved in batches behind the rows already written:
 * one batch at a time, in its own transaction, and every batch before the fetch ends (`finish`).
 */
function memberChanges(db: Db, listId: number, now: string) {
  let joined: number[] = [];
  let left: number[] = [];
  let saving: Promise<void> | undefined;

  /** Waits for the batch being saved (throwing its failure), then starts saving what was noted since. */
  async function flush(): Promise<void> {
    await saving;
    saving = undefined;
    if (joined.length === 0 && left.length === 0) return;
    const batch = { joined, left };
    joined = [];
    left = [];
    saving = db.transaction().execute((tx) => saveMemberChanges(tx, listId, batch.joined, batch.left, now));
    // Awaited by the next flush; until then its failure is not unhandled.
    saving.catch(() => undefined);
  }

  return {
    /** Notes a page's changes; a full batch starts saving while the next pages are read and written. */
    async note(pageJoined: readonly number[], pageLeft: readonly number[]): Promise<void> {
      joined.push(...pageJoined);
      left.push(...pageLeft);
      if (joined.length + left.length >= MEMBER_BATCH) await flush();
    },
    /** Saves everything noted; resolves once it is committed. */
    async finish(): Promise<void> {
      await flush();
      await flush();
    },
  };
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
   * The rows of a feed in ref order, one array per page. Each page also notes which products joined or
   * left the list, so a later `diff` can report removals (saved in batches, every one before the rows
   * end, an early end included); with `since`, only rows changed after it. On PostgreSQL the next page
   * is read while this one is being written out (one page ahead, no more).
   */
  async function* pages(db: Db, readDb: Db, ctx: FeedContext, since: string | null, changedAt: string, now: string): AsyncGenerator<FeedEntry[]> {
    const { list, pos } = ctx;
    const publishers = new Map<number, Publisher>();
    const limit = list.maxProducts ?? Number.POSITIVE_INFINITY;
    const flag = list.kind === 'full' ? undefined : list.kind;
    const read = (afterRef: number, tail: boolean): Promise<FeedPage> => {
      const page = tail ? findFeedTail(readDb, list.id, afterRef) : findFeedPage(readDb, { afterRef, size: FEED_PAGE_SIZE, listId: list.id, posId: pos.id, ...(flag && { flag }) });
      // A page read ahead may be dropped unawaited (the client went away): its failure is not unhandled.
      page.catch(() => undefined);
      return page;
    };
    const members = memberChanges(db, list.id, now);
    // Reading ahead overlaps a page's round trips with writing the previous one. SQLite reads
    // synchronously: a page read ahead would be read at once and only keep twice the objects alive
    // (peak RSS 170-300 MB with it, 170-230 MB without, in the same time).
    const readsAhead = isPostgres(readDb);
    let listed = 0;
    let next = read(0, false);
    try {
      for (;;) {
        const page = await next;
        const lastPage = page.upToRef === null || listed >= limit;
        // Read ahead, unless the list's limit may be reached within this page: what follows is then a tail.
        const ahead = readsAhead && !lastPage && listed + page.products.length < limit ? read(page.upToRef!, false) : undefined;
        const missing = [...new Set(page.products.map((p) => p.publisherId))].filter((id) => !publishers.has(id));
        for (const [id, publisher] of await findPublishers(readDb, missing)) publishers.set(id, publisher);

        const memberOf = new Map<number, ListMember>(page.members.map((m) => [m.ref, m]));
        const rows: { ref: number; entry: FeedEntry | null }[] = [];
        const joined: number[] = [];
        for (const product of page.products) {
          if (listed >= limit) break;
          const price = listedPrice(ctx, product, page.overrides.get(product.ref));
          if (!price) continue;
          listed += 1;
          const member = memberOf.get(product.ref);
          memberOf.delete(product.ref);
          const addedAt = member && member.removedAt === null ? member.addedAt : now;
          if (addedAt === now) joined.push(product.ref);
          const released = product.status === 'pre_order' && product.releaseDate !== null && product.releaseDate <= ctx.today ? `${product.releaseDate}T00:00:00.000Z` : null;
          const changed = since === null || latest(product.updatedAt, addedAt, changedAt, released) > since;
          rows.push({ ref: product.ref, entry: changed ? { kind: 'product', product: feedProductOf(ctx, product, publishers.get(product.publisherId)!, price) } : null });
        }
        // What is left of the members in this range is no longer in the list.
        const left: number[] = [];
        for (const member of memberOf.values()) {
          if (member.removedAt === null) left.push(member.ref);
          const removedAt = member.removedAt ?? now;
          rows.push({ ref: member.ref, entry: since !== null && removedAt > since ? { kind: 'removed', ref: member.ref } : null });
        }
        await members.note(joined, left);
        rows.sort((a, b) => a.ref - b.ref);
        const entries: FeedEntry[] = [];
        for (const row of rows) if (row.entry) entries.push(row.entry);
        if (entries.length > 0) yield entries;
        if (lastPage) return;
        next = ahead ?? read(page.upToRef!, listed >= limit);
      }
    } finally {
      // Also when the rows end early (the consumer went away, or a failure): what was noted is saved.
      await members.finish();
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
          let started = false;
          let stop!: () => void;
          // The rows have stopped once their generator is done, its own clean-up (saving members) included.
          const stopped = new Promise<void>((resolve) => { stop = resolve; });
          const counted = async function* (source: AsyncGenerator<FeedEntry[]>) {
            started = true;
            try {
              for await (const entries of source) {
                rows += entries.length;
                yield entries;
              }
              complete = true;
            } finally {
              stop();
            }
          };
          const writer = format.output === 'xml' ? xmlFeedStream(startedAt) : csvFeedStream(format, csvHeaderOf(format.columns, languages));
          // A consumer that goes away destroys the writer, which stops the rows: no page is read after it
          // but the one already being read ahead.
          const ended = new Promise<FeedEnd>((resolve) => {
            // One page at a time in the readable's buffer: pages, not rows, are the unit of its high-water mark.
            const source = Readable.from(counted(pages(db, readDb, ctx, since, changedAt, startedAt)), { highWaterMark: 1 });
            pipeline(source, writer, () => {
              // A generator never started has nothing to stop (and never runs its clean-up).
              if (!started) stop();
              void stopped.then(() => resolve({ rows, complete }));
            });
          });
          return { body: writer, ended };
        },
        complete: () => markFetchComplete(db, list.id, startedAt),
      };
    },
  };
}

export type FeedsService = ReturnType<typeof feedsService>;
