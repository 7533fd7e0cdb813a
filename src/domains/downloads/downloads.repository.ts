import { isPossibleOrderNumber } from '../../shared/text.js';
import type { Tx } from '../../db/schema.js';

/** A file grant with what its link needs: the order's state and window, and where the file is. */
export async function findGrantLink(tx: Tx, grantId: number) {
  return tx.selectFrom('download_grants as g')
    .innerJoin('orders as o', 'o.order_number', 'g.order_number')
    .innerJoin('product_files as f', 'f.id', 'g.product_file_id')
    .select(['g.id', 'o.status', 'o.download_ends_on', 'f.store_path', 'f.origin_url', 'f.size_bytes', 'f.sha256'])
    .where('g.id', '=', grantId)
    .executeTakeFirst();
}

/** An order's state and window, by its number. */
export async function findOrderState(tx: Tx, orderNumber: number) {
  return tx.selectFrom('orders').select(['order_number', 'status', 'download_ends_on'])
    .where('order_number', '=', orderNumber).executeTakeFirst();
}

/** The partner's order with this partnerOrderNumber, as getDownloadInfo needs it. */
export async function findPartnerOrder(tx: Tx, partnerId: number, partnerOrderNumber: string) {
  if (!isPossibleOrderNumber(partnerOrderNumber)) return undefined;
  return tx.selectFrom('orders').select(['order_number', 'partner_order_number', 'status', 'download_ends_on', 'cancelled_at'])
    .where('partner_id', '=', partnerId).where('partner_order_number', '=', partnerOrderNumber).executeTakeFirst();
}

/** Lines of an order in their order, and every grant with its file and counts, by line then file position. */
export async function loadGrants(tx: Tx, orderNumber: number) {
  const [lines, grants] = await Promise.all([
    tx.selectFrom('order_lines').select(['id', 'product_ref', 'position'])
      .where('order_number', '=', orderNumber).orderBy('position').execute(),
    tx.selectFrom('download_grants as g')
      .innerJoin('product_files as f', 'f.id', 'g.product_file_id')
      .innerJoin('order_lines as l', 'l.id', 'g.order_line_id')
      .select([
        'g.id', 'g.order_line_id', 'g.first_download_at', 'g.last_download_at', 'g.start_count', 'g.complete_count',
        'f.label', 'f.type', 'f.file_group', 'f.store_path', 'f.origin_url', 'f.size_bytes', 'f.sha256',
      ])
      .where('g.order_number', '=', orderNumber)
      .orderBy('l.position').orderBy('f.position').orderBy('g.id')
      .execute(),
  ]);
  return { lines, grants };
}

/** Counts a start at `at`: one UPDATE, so concurrent downloads never lose a count. */
export async function countStart(tx: Tx, grantId: number, at: string): Promise<void> {
  await tx.updateTable('download_grants')
    .set((eb) => ({
      start_count: eb('start_count', '+', 1),
      first_download_at: eb.fn.coalesce('first_download_at', eb.val(at)),
      last_download_at: at,
    }))
    .where('id', '=', grantId)
    .execute();
}

/** Counts a completion: one UPDATE. */
export async function countCompletion(tx: Tx, grantId: number): Promise<void> {
  await tx.updateTable('download_grants')
    .set((eb) => ({ complete_count: eb('complete_count', '+', 1) }))
    .where('id', '=', grantId)
    .execute();
}
