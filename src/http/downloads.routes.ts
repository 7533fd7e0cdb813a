import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { responseSent } from './response-sent.js';
import {
  countsAsStart, METALINK_CONTENT_TYPE, readRangeHeader, redirectCountsAsStart, resolveRange, sendsLastByte, type LinkRefusal,
} from '../domains/downloads/index.js';

// Download links (rules.md §Downloads): opened by end users in a browser or a download manager,
// without credentials; the signed token is the only key. Every request checks the token, the order
// state and the window before anything of the file is read.

/** Headers of every `/dl` answer: links expire and can be cancelled, so nothing may be cached or leak via Referer. */
const LINK_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A short HTML page for a person who opened a link that does not serve a file. */
function page(reply: FastifyReply, status: number, title: string, text: string): FastifyReply {
  const html = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>\n`;
  return reply.status(status).headers(LINK_HEADERS).type('text/html; charset=utf-8').send(html);
}

function refuse(reply: FastifyReply, refusal: LinkRefusal): FastifyReply {
  switch (refusal.reason) {
    case 'unknown':
      return page(reply, 404, 'Download link not found', 'This download link is not valid. Check that it was copied completely, or ask the shop that sold you the product.');
    case 'cancelled':
      return page(reply, 410, 'Order cancelled', 'This order was cancelled: its download links no longer work.');
    case 'expired':
      return page(reply, 410, 'Download link expired', `This download link expired on ${refusal.endedOn} at 23:59:59 UTC. Ask the shop that sold you the product to extend it.`);
  }
}

/** The Range header to honour: none when an If-Range names another version than ours (RFC 9110 §13.1.5). */
function honouredRange(request: FastifyRequest, etag: string | undefined): string | undefined {
  const ifRange = request.headers['if-range'];
  if (ifRange !== undefined && (etag === undefined || String(ifRange).trim() !== etag)) return undefined;
  return request.headers.range;
}

/** `GET|HEAD /dl/<token>` (a file) and `GET|HEAD /dl/<token>/order.meta4` (an order's Metalink 4). */
export async function downloadsRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  // Completions are counted when their response ends: closing waits for those still being written.
  server.addHook('onClose', async () => app.downloads.settled());

  /** `/dl/<token>`: a file, served, redirected or refused. */
  async function serveFile(request: FastifyRequest, reply: FastifyReply, token: string): Promise<FastifyReply> {
    const link = await app.downloads.openFile(app.db, token);
    if (link.kind === 'refused') return refuse(reply, link.refusal);
    const isGet = request.method === 'GET';

    if (link.kind === 'origin') {
      if (isGet && redirectCountsAsStart(readRangeHeader(request.headers.range))) await app.downloads.countStart(app.db, link.grantId);
      return reply.headers(LINK_HEADERS).redirect(link.url, 302);
    }

    let size: number;
    try {
      size = (await fs.promises.stat(link.path)).size;
    } catch (error) {
      request.log.error({ err: error, grantId: link.grantId }, 'the file of a download link is missing from the file store');
      return page(reply, 500, 'Download unavailable', 'This file cannot be served right now. Please try again later.');
    }
    const etag = link.sha256 ? `"${link.sha256}"` : undefined;
    void reply.headers(LINK_HEADERS).header('accept-ranges', 'bytes');
    if (etag) void reply.header('etag', etag);

    // HEAD: what a GET without Range would send, counted as nothing (Range is defined for GET only).
    const range = isGet ? resolveRange(readRangeHeader(honouredRange(request, etag)), size) : { kind: 'whole' as const };
    if (range.kind === 'unsatisfiable') {
      return reply.status(416).header('content-range', `bytes */${size}`).type('text/plain; charset=utf-8').send('Range not satisfiable\n');
    }
    const [start, end] = range.kind === 'part' ? [range.start, range.end] : [0, size - 1];
    void reply
      .status(range.kind === 'part' ? 206 : 200)
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${link.name}"`)
      .header('content-length', String(end - start + 1));
    if (range.kind === 'part') void reply.header('content-range', `bytes ${start}-${end}/${size}`);
    if (!isGet) return reply.send();

    if (countsAsStart(range)) await app.downloads.countStart(app.db, link.grantId);
    if (sendsLastByte(range, size)) {
      app.downloads.countCompletionOnceSent(app.db, link.grantId, responseSent(reply))
        .catch((error: unknown) => request.log.error({ err: error, grantId: link.grantId }, 'download completion not counted'));
    }
    return reply.send(end < start ? Buffer.alloc(0) : fs.createReadStream(link.path, { start, end }));
  }

  /** `/dl/<token>/order.meta4`: an order's Metalink 4 document, or a refusal. */
  async function serveMetalink(reply: FastifyReply, token: string): Promise<FastifyReply> {
    const link = await app.downloads.openMetalink(app.db, token);
    if (link.kind === 'refused') return refuse(reply, link.refusal);
    return reply.headers(LINK_HEADERS)
      .header('content-type', METALINK_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="order-${link.orderNumber}.meta4"`)
      .send(link.document);
  }

  // One wildcard route, so a link of any length or shape gets the same short refusal page.
  server.route({
    method: ['GET', 'HEAD'],
    url: '/dl/*',
    exposeHeadRoute: false,
    // Request logs would carry the tokens, which are the links' only key: warnings and errors only.
    logLevel: 'warn',
    schema: { hide: true },
    handler: async (request, reply) => {
      const rest = (request.params as { '*': string })['*'];
      const [token = '', document, ...more] = rest.split('/');
      if (document === undefined) return serveFile(request, reply, token);
      if (document === 'order.meta4' && more.length === 0) return serveMetalink(reply, token);
      return refuse(reply, { reason: 'unknown' });
    },
  });
}
