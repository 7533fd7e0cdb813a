import type { Keyring } from '../../shared/keyring.js';

/** What a `/dl/<token>` link opens: one file grant of an order line, or the Metalink of a whole order. */
export type DownloadTarget = { kind: 'file'; grantId: number } | { kind: 'metalink'; orderNumber: number };

const PREFIX = { file: 'f', metalink: 'm' } as const;

/**
 * The token of a download link: the target in clear plus a keyed signature over it, so a link cannot
 * be forged or guessed; whether it still works (window, order state) is checked at every request.
 */
export function downloadToken(keyring: Keyring, target: DownloadTarget): string {
  const payload = target.kind === 'file' ? `${PREFIX.file}${target.grantId}` : `${PREFIX.metalink}${target.orderNumber}`;
  return `${payload}.${keyring.sign(`dl:${payload}`)}`;
}

/** The target of a token, or undefined when it is malformed or its signature is wrong (a forged link). */
export function readDownloadToken(keyring: Keyring, token: string): DownloadTarget | undefined {
  const match = /^([fm])([1-9]\d{0,9})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match || !keyring.verify(`dl:${match[1]}${match[2]}`, match[3]!)) return undefined;
  const id = Number(match[2]);
  return match[1] === PREFIX.file ? { kind: 'file', grantId: id } : { kind: 'metalink', orderNumber: id };
}

/** Public URL of a file link. */
export function fileUrl(publicUrl: string, keyring: Keyring, grantId: number): string {
  return `${publicUrl}/dl/${downloadToken(keyring, { kind: 'file', grantId })}`;
}

/** Public URL of an order's Metalink 4 document. */
export function metalinkUrl(publicUrl: string, keyring: Keyring, orderNumber: number): string {
  return `${publicUrl}/dl/${downloadToken(keyring, { kind: 'metalink', orderNumber })}/order.meta4`;
}
