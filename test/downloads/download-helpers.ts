import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { demoDirectory } from '../../src/demo/load-demo.js';
import { createOrder, orderBody, type Json } from '../support/orders.js';
import { connectCall, type TestPartner } from '../support/test-app.js';

/** A file entry of createOrder's answer. */
export type OrderFile = { label: string; type: string; url: string; size: number; group: string };

/** What tests need of a placed order: its number, its lines' files and its Metalink URL. */
export type PlacedOrder = {
  partnerOrderNumber: string;
  orderNumber: number;
  lines: { productRef: number; files: OrderFile[] }[];
  downloadManager: string | null;
};

/** Places an order of `refs` (one unit each) as `partner` and returns what its answer says; fails the test if refused. */
export async function placeOrder(server: FastifyInstance, partner: TestPartner, refs: readonly (number | Json)[]): Promise<PlacedOrder> {
  const body = orderBody(refs);
  const res = await createOrder(server, partner, body);
  const answer = res.json() as { responseCode: number; orderNumber: number; orderLines: { productRef: number; files: OrderFile[] }[]; downloadManager: { pc: string } | null };
  expect(answer.responseCode, res.body).toBe(0);
  return {
    partnerOrderNumber: body.partnerOrderNumber as string,
    orderNumber: answer.orderNumber,
    lines: answer.orderLines.map((l) => ({ productRef: l.productRef, files: l.files })),
    downloadManager: answer.downloadManager?.pc ?? null,
  };
}

/** The path and query of a public URL, for `inject`. */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** The bytes of a demo file (demo/files/<name>). */
export function demoFile(name: string): Buffer {
  return fs.readFileSync(path.join(demoDirectory(), 'files', name));
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The file name a download answer gives in its Content-Disposition. */
export function attachmentName(res: { headers: Record<string, unknown> }): string {
  const match = /^attachment; filename="([^"]+)"$/.exec(String(res.headers['content-disposition']));
  if (!match) throw new Error(`not an attachment: ${String(res.headers['content-disposition'])}`);
  return match[1]!;
}

/** `GET /connect/order/{partnerOrderNumber}/download` as `partner`. */
export function getDownloadInfo(server: FastifyInstance, partner: TestPartner, partnerOrderNumber: string): Promise<LightMyRequestResponse> {
  return connectCall(server, partner, { method: 'GET', url: `/connect/order/${encodeURIComponent(partnerOrderNumber)}/download` });
}

export type DownloadInfoFile = OrderFile & {
  dateFirstDownload: string | null;
  dateLastDownload: string | null;
  countStartDownload: number;
  countCompleteDownload: number;
};

/** getDownloadInfo's file entry for `url`, from a successful answer. */
export async function fileInfo(server: FastifyInstance, partner: TestPartner, partnerOrderNumber: string, url: string): Promise<DownloadInfoFile> {
  const res = await getDownloadInfo(server, partner, partnerOrderNumber);
  const body = res.json() as { responseCode: number; orderLines: { files: DownloadInfoFile[] }[] };
  expect(body.responseCode, res.body).toBe(0);
  const file = body.orderLines.flatMap((l) => l.files).find((f) => f.url === url);
  if (!file) throw new Error(`no file ${url} in getDownloadInfo: ${res.body}`);
  return file;
}

/** Asserts an answer is a refusal page and carries no byte of `file` (not even its first 16 bytes). */
export function expectNoFileBytes(res: LightMyRequestResponse, file: Buffer): void {
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.headers['content-disposition']).toBeUndefined();
  expect(res.rawPayload.length).toBeLessThan(1000);
  expect(res.rawPayload.includes(file.subarray(0, 16))).toBe(false);
}
