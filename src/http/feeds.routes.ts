import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import type { PreparedFeed } from '../domains/feeds/index.js';
import { responseSent } from './response-sent.js';

// Product feeds (feeds.md §Fetching a feed): fetched by URL with the POS secret in the query, by
// shops' import jobs. Refusals are plain text (FeedRefusal, answered by the error handler).

type FeedQuery = { secret?: string; provider?: string; config?: string; diff?: string };

/** The first value of a query parameter given several times. */
function first(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v : undefined;
}

/** Whether the client's copy is current (RFC 9110 §13.1): If-None-Match first, else If-Modified-Since. */
function isNotModified(request: FastifyRequest, feed: PreparedFeed): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(feed.etag.replace(/^W\//, ''));
  }
  const since = Date.parse(request.headers['if-modified-since'] ?? '');
  return !Number.isNaN(since) && Math.floor(feed.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}

/** `GET /flow/getcatalog/v2.4/?secret=&provider=&config=[&diff=]`: a product feed, streamed. */
export async function feedsRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  for (const url of ['/flow/getcatalog/v2.4/', '/flow/getcatalog/v2.4']) {
    server.get(url, { schema: { hide: true } }, async (request, reply) => {
      const query = request.query as FeedQuery;
      const feed = await app.feeds.prepareFeed({ db: app.db, readDb: app.readDb }, {
        secret: first(query.secret), provider: first(query.provider), config: first(query.config), diff: first(query.diff), callerIp: request.ip,
      });
      void reply.headers({
        etag: feed.etag,
        'last-modified': feed.lastModified.toUTCString(),
        'cache-control': 'private, no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (isNotModified(request, feed)) return reply.status(304).send();
      if (request.method === 'HEAD') return reply.type(feed.contentType).send();
      const { body, ended } = feed.open();
      void Promise.all([ended, responseSent(reply)]).then(async ([end, sent]) => {
        request.log.info({ feed: feed.filename, rows: end.rows }, sent && end.complete ? 'feed sent' : 'feed stopped before its end');
        if (sent && end.complete) await feed.complete();
      }).catch((error: unknown) => {
        request.log.warn({ err: error }, 'could not record a complete feed fetch');
      });
      return reply
        .type(feed.contentType)
        .header('content-disposition', `inline; filename="${feed.filename}"`)
        .send(body);
    });
  }
}
