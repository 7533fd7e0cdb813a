import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/** Size and SHA-256 (hex) of a file's content. */
export type FileDigest = { sizeBytes: number; sha256: string };

/** Reads a file once and returns its size and SHA-256; throws the file system's error when unreadable. */
export async function digestFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sizeBytes, sha256: hash.digest('hex') };
}

/** A file name that is safe on every file system and in a Content-Disposition header. */
export function safeFileName(name: string): string {
  const cleaned = path.basename(name).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return cleaned === '' ? 'file' : cleaned.slice(0, 200);
}

/**
 * Where a file lives inside the store: `<sha256>/<file name>`. The store is content-addressed (a
 * folder per content digest), and keeps the original name for the download's file name.
 */
export function storePathOf(sha256: string, fileName: string): string {
  return `${sha256}/${safeFileName(fileName)}`;
}

/**
 * The file store (`FILE_STORE_DIR`): files served by this server, content-addressed so a repeated
 * import copies nothing and two products sharing a file share one copy.
 */
export function fileStore(root: string) {
  return {
    root,

    /** Absolute path of a store path. */
    locate(storePath: string): string {
      return path.join(root, ...storePath.split('/'));
    },

    /**
     * Copies `source` to `storePath` unless it is already there; the copy is written beside its
     * final place and renamed, so a reader never sees half a file. Throws when the content read now
     * does not have the expected digest (the source changed since it was checked).
     */
    async put(source: string, storePath: string, expected: FileDigest): Promise<void> {
      const target = this.locate(storePath);
      if (fs.existsSync(target)) return;
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.${randomBytes(6).toString('hex')}.part`;
      const hash = createHash('sha256');
      let size = 0;
      try {
        await pipeline(
          fs.createReadStream(source),
          new Transform({ transform(chunk: Buffer, _enc, done) { hash.update(chunk); size += chunk.length; done(null, chunk); } }),
          fs.createWriteStream(temporary, { mode: 0o640 }),
        );
        const sha256 = hash.digest('hex');
        if (sha256 !== expected.sha256 || size !== expected.sizeBytes) throw new Error(`${source} changed while it was imported`);
        await fs.promises.rename(temporary, target);
      } finally {
        await fs.promises.rm(temporary, { force: true });
      }
    },
  };
}

export type FileStore = ReturnType<typeof fileStore>;
