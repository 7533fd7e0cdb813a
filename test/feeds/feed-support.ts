import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import type { LightMyRequestResponse } from 'fastify';
import { openCatalogCsv } from '../../src/domains/catalog/index.js';
import type { FeedSettings } from '../../src/domains/feeds/index.js';
import type { TestApp, TestPartner } from '../support/test-app.js';

/** A feed defined through the feeds service, as `resell feed create` and the back office do. */
export async function givenFeed(t: TestApp, partner: Pick<TestPartner, 'partnerId' | 'posId'>, settings: FeedSettings = {}): Promise<{ provider: number; config: number }> {
  const { format, list } = await t.app.db.transaction().execute((tx) => t.app.feeds.createFeed(tx, partner.partnerId, partner.posId, settings, 'test'));
  return { provider: list.id, config: format.id };
}

export type FeedFetch = { secret: string; provider: number | string; config: number | string; diff?: string; ip?: string; headers?: Record<string, string> };

/** `GET /flow/getcatalog/v2.4/` as a partner's import job makes it. */
export async function fetchFeed(t: TestApp, fetch: FeedFetch): Promise<LightMyRequestResponse> {
  const query = new URLSearchParams({ secret: fetch.secret, provider: String(fetch.provider), config: String(fetch.config), ...(fetch.diff !== undefined && { diff: fetch.diff }) });
  return t.server.inject({ method: 'GET', url: `/flow/getcatalog/v2.4/?${query.toString()}`, ...(fetch.ip && { remoteAddress: fetch.ip }), ...(fetch.headers && { headers: fetch.headers }) });
}

/** A CSV feed's rows as objects keyed by header name (the default format: `,`, `"`, CRLF, UTF-8). */
export function csvRows(body: string): Record<string, string>[] {
  return parse(body, { columns: true, bom: true }) as Record<string, string>[];
}

/** The header row of a CSV feed. */
export function csvHeader(body: string): string[] {
  return (parse(body, { to_line: 1, bom: true }) as string[][])[0]!;
}

/** Imports CSV rows in our 2.4 layout as `resell catalog import` does: how tests change the catalog. */
export async function importCsv(t: TestApp, csv: string): Promise<void> {
  const opened = await openCatalogCsv(Readable.from([Buffer.from(csv)]));
  const summary = await t.app.catalog.importCatalogCsv(t.app.db, opened, { actor: 'test' });
  if (summary.rejected.length > 0) throw new Error(`rows rejected: ${JSON.stringify(summary.rejected)}`);
}
