import type { App } from '../app.js';

/** Credentials of the demo partner, printed once at first run. */
export type DemoCredentials = { partnerId: number; posId: number; realmName: string; clientSecret: string; posSecret: string };

/** Loads the demo catalog, its keys and a demo partner with one POS into an empty database. */
export async function loadDemo(_app: App): Promise<DemoCredentials> {
  throw new Error('demo dataset not loaded yet (being written)');
}
