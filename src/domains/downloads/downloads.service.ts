import type { Tx } from '../../db/schema.js';
import type { Clock } from '../../shared/clock.js';
import { Refusal } from '../../shared/errors.js';
import type { Keyring } from '../../shared/keyring.js';
import { fileStore } from '../catalog/index.js';
import { linkRefusal, type LinkRefusal } from './download.js';
import { readDownloadToken, fileUrl } from './download-token.js';
import { countCompletion, countStart, findGrantLink, findOrderState, findPartnerOrder, loadGrants } from './downloads.repository.js';
import { buildMetalink, originFileName, storedFileName, uniqueNames } from './metalink.js';

export type DownloadsDeps = {
  keyring: Keyring;
  clock: Clock;
  publicUrl: string;
  fileStoreDir: string;
};

/** What a file link serves now: a refusal, a file of the store, or a redirect to the file's origin. */
export type FileLink =
  | { kind: 'refused'; refusal: LinkRefusal }
  | { kind: 'local'; grantId: number; path: string; name: string; sizeBytes: number; sha256: string | null }
  | { kind: 'origin'; grantId: number; url: string };

/** What an order's Metalink link serves now. */
export type MetalinkLink =
  | { kind: 'refused'; refusal: LinkRefusal }
  | { kind: 'metalink'; orderNumber: number; document: string };

/** One file grant as getDownloadInfo shows it. */
export type GrantView = {
  label: string;
  type: string;
  url: string;
  size: number;
  group: string;
  /** Stored UTC instants (ISO 8601), or null before the first counted start. */
  firstDownloadAt: string | null;
  lastDownloadAt: string | null;
  startCount: number;
  completeCount: number;
};

/** getDownloadInfo's answer: every line of the order (in order) with its grants, even after cancellation. */
export type DownloadInfo = {
  partnerOrderNumber: string;
  /** `YYYY-MM-DD`: the window's last day, or the cancellation date once cancelled. */
  downloadEndsOn: string;
  lines: { productRef: number; files: GrantView[] }[];
};

const UNKNOWN: LinkRefusal = { reason: 'unknown' };

/** Download links (`/dl/...`): their checks, what they serve, their counts, and getDownloadInfo. */
export function downloadsService({ keyring, clock, publicUrl, fileStoreDir }: DownloadsDeps) {
  const store = fileStore(fileStoreDir);
  /** Completion counts waiting for their response to end, so shutdown (and tests) can wait for them. */
  const pending = new Set<Promise<unknown>>();

  return {
    /**
     * The file behind a `/dl/<token>` link, checked now: an unknown (forged, malformed, metalink or
     * dangling) token, a cancelled order or a closed window give a refusal, never the file.
     */
    async openFile(tx: Tx, token: string): Promise<FileLink> {
      const target = readDownloadToken(keyring, token);
      if (target?.kind !== 'file') return { kind: 'refused', refusal: UNKNOWN };
      const grant = await findGrantLink(tx, target.grantId);
      if (!grant) return { kind: 'refused', refusal: UNKNOWN };
      const refusal = linkRefusal({ status: grant.status, downloadEndsOn: grant.download_ends_on }, clock.now());
      if (refusal) return { kind: 'refused', refusal };
      if (grant.store_path !== null) {
        return { kind: 'local', grantId: grant.id, path: store.locate(grant.store_path), name: storedFileName(grant.store_path), sizeBytes: grant.size_bytes, sha256: grant.sha256 };
      }
      if (grant.origin_url !== null) return { kind: 'origin', grantId: grant.id, url: grant.origin_url };
      return { kind: 'refused', refusal: UNKNOWN };
    },

    /**
     * The Metalink 4 document behind a `/dl/<token>/order.meta4` link, checked as file links are:
     * every distinct file of the order once (a file shared by two lines or products is listed under
     * its first line's link), names unique within the order. An order without files is unknown.
     */
    async openMetalink(tx: Tx, token: string): Promise<MetalinkLink> {
      const target = readDownloadToken(keyring, token);
      if (target?.kind !== 'metalink') return { kind: 'refused', refusal: UNKNOWN };
      const order = await findOrderState(tx, target.orderNumber);
      if (!order) return { kind: 'refused', refusal: UNKNOWN };
      const refusal = linkRefusal({ status: order.status, downloadEndsOn: order.download_ends_on }, clock.now());
      if (refusal) return { kind: 'refused', refusal };
      const { grants } = await loadGrants(tx, order.order_number);
      const seen = new Set<string>();
      const distinct = grants.filter((g) => {
        const content = g.store_path !== null ? `store:${g.store_path}` : `origin:${g.origin_url}`;
        if (seen.has(content)) return false;
        seen.add(content);
        return g.store_path !== null || g.origin_url !== null;
      });
      if (distinct.length === 0) return { kind: 'refused', refusal: UNKNOWN };
      const names = uniqueNames(distinct.map((g) => (g.store_path !== null ? storedFileName(g.store_path) : originFileName(g.origin_url!))));
      const document = buildMetalink(distinct.map((g, i) => ({
        name: names[i]!, size: g.size_bytes, sha256: g.sha256, url: fileUrl(publicUrl, keyring, g.id),
      })), clock.now());
      return { kind: 'metalink', orderNumber: order.order_number, document };
    },

    /** Counts a start of a grant now (also its first and last download dates), in one UPDATE. */
    async countStart(tx: Tx, grantId: number): Promise<void> {
      await countStart(tx, grantId, clock.now().toISOString());
    },

    /**
     * Counts a completion of a grant once `sent` resolves true (the response handed over the file's
     * last byte); nothing when it resolves false (the client went away). settled() waits for it.
     * Rejects when the count cannot be written.
     */
    countCompletionOnceSent(tx: Tx, grantId: number, sent: Promise<boolean>): Promise<boolean> {
      const work = sent.then(async (done) => {
        if (done) await countCompletion(tx, grantId);
        return done;
      });
      const tracked = work.then(() => undefined, () => undefined);
      pending.add(tracked);
      void tracked.then(() => pending.delete(tracked));
      return work;
    },

    /** Resolves once every completion count waiting so far (and any added meanwhile) is written or given up. */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    /**
     * getDownloadInfo: every line of the partner's order with its files, links and counts, also
     * after cancellation (then the end date is the cancellation date). Refusal(1010) when the
     * partner has no order by that number.
     */
    async getDownloadInfo(tx: Tx, partnerId: number, partnerOrderNumber: string): Promise<DownloadInfo> {
      const order = await findPartnerOrder(tx, partnerId, partnerOrderNumber);
      if (!order) throw new Refusal(1010);
      const { lines, grants } = await loadGrants(tx, order.order_number);
      const cancelledOn = order.status === 'cancelled' && order.cancelled_at !== null ? order.cancelled_at.slice(0, 10) : undefined;
      return {
        partnerOrderNumber: order.partner_order_number,
        downloadEndsOn: cancelledOn ?? order.download_ends_on,
        lines: lines.map((line) => ({
          productRef: line.product_ref,
          files: grants.filter((g) => g.order_line_id === line.id).map((g) => ({
            label: g.label,
            type: g.type,
            url: fileUrl(publicUrl, keyring, g.id),
            size: g.size_bytes,
            group: g.file_group,
            firstDownloadAt: g.first_download_at,
            lastDownloadAt: g.last_download_at,
            startCount: Number(g.start_count),
            completeCount: Number(g.complete_count),
          })),
        })),
      };
    },
  };
}

export type DownloadsService = ReturnType<typeof downloadsService>;
