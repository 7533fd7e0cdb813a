import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import type { DownloadInfo } from '../../domains/downloads/index.js';
import { connectRoute } from './route.js';

const DateTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'ISO 8601 UTC, null before the first download' });

const DownloadFile = Type.Object({
  label: Type.String(),
  type: Type.String(),
  url: Type.String({ description: 'the direct link (/dl/…) of this file of this line; it stops working once the order is cancelled or the window ends' }),
  size: Type.Integer({ description: 'bytes' }),
  group: Type.String(),
  dateFirstDownload: DateTime,
  dateLastDownload: DateTime,
  countStartDownload: Type.Integer({ description: 'GETs without Range or with a Range from byte 0 (redirects included; HEAD not)' }),
  countCompleteDownload: Type.Integer({ description: 'responses that sent the last byte of the file (never for files redirected to their origin)' }),
});

export const DownloadInfoAnswer = Type.Object({
  partnerOrderNumber: Type.String(),
  downloadEndDate: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'last day (UTC) links work, the cancellation date once cancelled; null when refused' }),
  orderLines: Type.Array(Type.Object({
    productRef: Type.Integer(),
    files: Type.Array(DownloadFile, { description: '[] for a line without files (serial-only, digital-locker and option products)' }),
  }), { description: 'every line of the order, in order; [] when refused' }),
  responseCode: Type.Integer({ description: '0, or 1010 order not found (unknown, or another partner\'s)' }),
  responseMessage: Type.String(),
});

/** A stored instant as the wire shows date-times: `2026-06-15T10:00:00Z`. */
function wireDateTime(stored: string | null): string | null {
  return stored === null ? null : `${new Date(stored).toISOString().slice(0, 19)}Z`;
}

/** getDownloadInfo's answer on the wire (connect-api.md §6). */
export function downloadInfoAnswer(info: DownloadInfo) {
  return {
    partnerOrderNumber: info.partnerOrderNumber,
    downloadEndDate: info.downloadEndsOn,
    orderLines: info.lines.map((line) => ({
      productRef: line.productRef,
      files: line.files.map((file) => ({
        label: file.label,
        type: file.type,
        url: file.url,
        size: file.size,
        group: file.group,
        dateFirstDownload: wireDateTime(file.firstDownloadAt),
        dateLastDownload: wireDateTime(file.lastDownloadAt),
        countStartDownload: file.startCount,
        countCompleteDownload: file.completeCount,
      })),
    })),
  };
}

/** `GET /connect/order/{partnerOrderNumber}/download` (getDownloadInfo). */
export async function downloadInfoRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  connectRoute(server, {
    method: 'GET',
    url: '/connect/order/:partnerOrderNumber/download',
    operation: 'getDownloadInfo',
    summary: 'Download links of an order with their counts and first and last download dates',
    params: Type.Object({ partnerOrderNumber: Type.String() }),
    response: DownloadInfoAnswer,
    refusedShape: (request) => ({ partnerOrderNumber: (request.params as { partnerOrderNumber: string }).partnerOrderNumber, downloadEndDate: null, orderLines: [] }),
    handler: async (request, caller) => {
      const { partnerOrderNumber } = request.params as { partnerOrderNumber: string };
      return downloadInfoAnswer(await app.downloads.getDownloadInfo(app.db, caller.partner.id, partnerOrderNumber));
    },
  });
}
