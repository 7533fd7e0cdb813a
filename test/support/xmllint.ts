import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The feed schema published next to the code. */
export const FEED_XSD = new URL('../../src/domains/feeds/feed-2.4.xsd', import.meta.url).pathname;

/**
 * Runs Debian's xmllint (libxml2-utils) on a document; a missing xmllint fails the test, never skips
 * it (CI installs it).
 */
export function xmllint(args: readonly string[], xml: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resell-xml-'));
  try {
    const file = path.join(dir, 'document.xml');
    fs.writeFileSync(file, xml);
    const run = spawnSync('xmllint', [...args, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.error) {
      throw new Error(`xmllint could not run (${run.error.message}): install Debian's libxml2-utils (apt-get install -y libxml2-utils); the feed tests validate XML against feed-2.4.xsd with it`);
    }
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What xmllint says is wrong with a document against the feed schema, or null when it is valid. */
export function feedSchemaErrors(xml: string | Buffer): string | null {
  const run = xmllint(['--noout', '--schema', FEED_XSD], xml);
  return run.status === 0 ? null : run.stderr;
}
