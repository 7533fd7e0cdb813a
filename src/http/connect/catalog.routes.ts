import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { listCategories, listOperatingSystems } from '../../domains/catalog/index.js';
import { normaliseLanguage } from '../../shared/iso.js';
import { connectRoute } from './route.js';

const Codes = { responseCode: Type.Integer(), responseMessage: Type.String() };
const Labelled = Type.Object({ id: Type.Integer(), label: Type.String() });

export const CategoryListAnswer = Type.Object({
  categoryList: Type.Array(Type.Object({ id: Type.Integer(), label: Type.String(), subcategories: Type.Array(Labelled) })),
  ...Codes,
});
export const OsListAnswer = Type.Object({ osList: Type.Array(Labelled), ...Codes });

/**
 * `GET /connect/catalog/categories/{language}` (getCategories) and `GET /connect/catalog/oslist`
 * (getOsList): the whole catalog's category tree and operating systems, whatever the POS sells.
 */
export async function catalogRoutes(server: FastifyInstance, { app }: { app: App }): Promise<void> {
  connectRoute(server, {
    method: 'GET',
    url: '/connect/catalog/categories/:language',
    operation: 'getCategories',
    summary: 'Category tree with labels in a language (2 letters, any case; else the master language)',
    params: Type.Object({ language: Type.String({ description: 'two-letter language code, case-insensitive' }) }),
    response: CategoryListAnswer,
    // A language that is not two letters, or has no labels, falls back to the master language.
    handler: async (request) => {
      const { language } = request.params as { language: string };
      return { categoryList: await listCategories(app.db, normaliseLanguage(language)) };
    },
  });

  connectRoute(server, {
    method: 'GET',
    url: '/connect/catalog/oslist',
    operation: 'getOsList',
    summary: 'Operating systems of the catalog',
    response: OsListAnswer,
    handler: async () => ({ osList: await listOperatingSystems(app.db) }),
  });
}
