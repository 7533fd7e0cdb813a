import { create } from 'xmlbuilder2';

export const METALINK_NAMESPACE = 'urn:ietf:params:xml:ns:metalink';
export const METALINK_CONTENT_TYPE = 'application/metalink4+xml';

/** One file of a Metalink document: where to fetch it and how to check it. */
export type MetalinkFile = { name: string; size: number; sha256: string | null; url: string };

/** A file name that is safe on every file system and in a Content-Disposition header (as the file store names files). */
export function safeName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return cleaned === '' ? 'file' : cleaned.slice(0, 200);
}

/** The file name of a local file: the store keeps it as the last part of `<sha256>/<name>`. */
export function storedFileName(storePath: string): string {
  return safeName(storePath.split('/').pop() ?? '');
}

/** The file name an origin URL points to (its last path segment), made safe. */
export function originFileName(url: string): string {
  let segment = '';
  try {
    segment = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    segment = '';
  }
  return safeName(segment);
}

/**
 * The names made unique within one list, in order: a repeated `setup.exe` becomes `setup-2.exe`,
 * then `setup-3.exe`, skipping any name already taken (Metalink file names are paths on the client).
 */
export function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set(names.map((n) => n.toLowerCase()));
  const used = new Set<string>();
  return names.map((name) => {
    if (!used.has(name.toLowerCase())) {
      used.add(name.toLowerCase());
      return name;
    }
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 2; ; n++) {
      const candidate = `${stem}-${n}${ext}`;
      if (!used.has(candidate.toLowerCase()) && !taken.has(candidate.toLowerCase())) {
        used.add(candidate.toLowerCase());
        return candidate;
      }
    }
  });
}

/** A Metalink 4 document (RFC 5854) listing `files`, published at `now`. */
export function buildMetalink(files: readonly MetalinkFile[], now: Date): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(METALINK_NAMESPACE, 'metalink');
  root.ele('published').txt(`${now.toISOString().slice(0, 19)}Z`);
  root.ele('generator').txt('resell');
  for (const file of files) {
    const entry = root.ele('file', { name: file.name });
    entry.ele('size').txt(String(file.size));
    if (file.sha256) entry.ele('hash', { type: 'sha-256' }).txt(file.sha256);
    entry.ele('url', { priority: '1' }).txt(file.url);
  }
  return root.end({ prettyPrint: true });
}
