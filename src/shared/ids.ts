import { randomInt, randomUUID } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A generated secret: 32 random characters of [A-Za-z0-9] (about 190 bits), unbiased. */
export function generateSecret(length = 32): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export function generateUuid(): string {
  return randomUUID();
}

/** Largest id the wire allows: IDs are positive integers below 2^31. */
export const MAX_ID = 2 ** 31 - 1;

export function isWireId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_ID;
}
