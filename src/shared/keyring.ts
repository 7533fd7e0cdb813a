import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * All key material of a running server, derived once at start from the two configured keys, so no
 * request pays for key derivation or import.
 */
export type Keyring = {
  /** HS256 key of access tokens. */
  readonly jwtKey: Uint8Array;
  /** Keyed digest of a secret or serial key (HMAC-SHA256, hex): how secrets are stored and looked up. */
  digest(value: string): string;
  /** Keyed signature of a token payload (HMAC-SHA256, base64url), e.g. download links. */
  sign(payload: string): string;
  verify(payload: string, signature: string): boolean;
  /** AES-256-GCM with a random 96-bit nonce; output is base64 of nonce | tag | ciphertext. */
  encrypt(plaintext: string): string;
  decrypt(stored: string): string;
};

function subkey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `resell/${purpose}`, 32));
}

export function createKeyring(signingKey: Buffer, encryptionKey: Buffer): Keyring {
  const jwtKey = subkey(signingKey, 'jwt');
  const digestKey = subkey(signingKey, 'digest');
  const linkKey = subkey(signingKey, 'link');
  const sign = (payload: string) => createHmac('sha256', linkKey).update(payload).digest('base64url');
  return {
    jwtKey,
    digest: (value) => createHmac('sha256', digestKey).update(value).digest('hex'),
    sign,
    verify(payload, signature) {
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
    encrypt(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, nonce);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64');
    },
    decrypt(stored) {
      const raw = Buffer.from(stored, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
