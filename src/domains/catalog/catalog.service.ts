import fs from 'node:fs';
import path from 'node:path';
import type { Db, Tx } from '../../db/schema.js';
import type { Clock } from '../../shared/clock.js';
import { recordAudit } from '../audit/index.js';
import { applyCsvPatch, csvPatchOf, resolveRow, type CatalogCsv, type CatalogLookup, type CsvPatch, type CsvRecord, type LookupChanges } from './catalog-csv.js';
import { checkCatalogFile as checkCatalogFileContent, type CheckedCatalogFile } from './catalog-file.js';
import {
  findOptionKinds, findSetting, insertProduct, listCategoryRecords, listOperatingSystemRecords, listPublisherRecords,
  saveCategory, saveOperatingSystem, savePublisher, saveSetting, updateProduct,
} from './catalog-import.repository.js';
import { bumpCatalogVersion, findProducts, getMasterLanguage } from './catalog.repository.js';
import { CatalogFileRefused } from './catalog.errors.js';
import type { Product } from './product.js';
import { digestFile, fileStore, storePathOf, type FileDigest } from './file-store.js';
import { canonicalJson, changedAttributes, recordOf, type Problem, type ProductRecord } from './product-record.js';

export const MASTER_LANGUAGE_KEY = 'catalog.master_language';

/** A row of a CSV import that was not stored: its line (the header is line 1) and why. */
export type RejectedRow = { line: number; reason: string };

/**
 * What an import did, counted in products: `inserted` new refs, `updated` refs whose stored data
 * changed, `unchanged` refs whose data was already exactly that (nothing written, not even the
 * change time), `rejected` CSV rows skipped (always empty for a catalog file, which is refused whole).
 */
export type ImportSummary = { inserted: number; updated: number; unchanged: number; rejected: RejectedRow[] };

/** What a CSV import reports after each committed batch. */
export type CsvImportProgress = { rows: number; bytes: number };

export type CatalogDeps = { clock: Clock; fileStoreDir: string };

const READ_CHUNK = 500;
export const DEFAULT_CSV_BATCH = 500;

/** Stored products of `refs`, read in chunks so a large file stays within the engines' parameter limits. */
async function storedProducts(tx: Tx, refs: readonly number[]): Promise<Map<number, Product>> {
  const out = new Map<number, Product>();
  for (let i = 0; i < refs.length; i += READ_CHUNK) {
    for (const [ref, product] of await findProducts(tx, refs.slice(i, i + READ_CHUNK))) out.set(ref, product);
  }
  return out;
}

/** Catalog imports: the catalog file (JSON, all or nothing) and CSV feeds (row by row); every change audited. */
export function catalogService({ clock, fileStoreDir }: CatalogDeps) {
  const store = fileStore(fileStoreDir);

  /** Inserts, updates or leaves a product as it is, audits the change, and counts it. */
  async function saveProduct(tx: Tx, record: ProductRecord, stored: { record: ProductRecord; fileIds: number[] } | undefined, actor: string, summary: ImportSummary): Promise<void> {
    const now = clock.now();
    if (!stored) {
      await insertProduct(tx, record, now.toISOString());
      await recordAudit(tx, now, { actor, action: 'product.created', subject: `product:${record.ref}`, detail: {} });
      summary.inserted += 1;
      return;
    }
    const changed = changedAttributes(stored.record, record);
    if (changed.length === 0) {
      summary.unchanged += 1;
      return;
    }
    await updateProduct(tx, stored.fileIds, record, changed, now.toISOString());
    await recordAudit(tx, now, { actor, action: 'product.updated', subject: `product:${record.ref}`, detail: { changed } });
    summary.updated += 1;
  }

  /** Writes what a CSV row adds to the catalog (publishers, categories, OS) and keeps `lookup` in step. */
  async function saveLookupChanges(tx: Tx, lookup: CatalogLookup, changes: LookupChanges, actor: string): Promise<void> {
    const now = clock.now();
    for (const { record, exists } of changes.publishers) {
      await savePublisher(tx, record, exists, now.toISOString());
      await recordAudit(tx, now, { actor, action: exists ? 'publisher.updated' : 'publisher.created', subject: `publisher:${record.id}`, detail: { ...record } });
      lookup.publishers.set(record.id, record);
    }
    for (const category of changes.categories) {
      await saveCategory(tx, category, false);
      await recordAudit(tx, now, { actor, action: 'category.created', subject: `category:${category.id}`, detail: { ...category } });
      lookup.categories.set(category.id, category);
    }
    for (const os of changes.operatingSystems) {
      await saveOperatingSystem(tx, os, false);
      await recordAudit(tx, now, { actor, action: 'os.created', subject: `os:${os.id}`, detail: { ...os } });
      lookup.operatingSystems.set(os.id, os);
    }
  }

  return {
    fileStore: store,

    /**
     * Checks a parsed catalog file as far as it can without the database: schema (unknown keys
     * refused with their JSON path), values, references inside the file, product rules; then reads
     * each local file (`path`, relative to `baseDir`) for its size and SHA-256. Throws
     * CatalogFileRefused listing every problem.
     */
    async checkCatalogFile(raw: unknown, baseDir: string): Promise<CheckedCatalogFile> {
      const result = checkCatalogFileContent(raw);
      if ('problems' in result) throw new CatalogFileRefused(result.problems);
      const checked = result.checked;
      const problems: Problem[] = [];
      const products = checked.products.map((p) => ({ ...p, files: p.files.map((f) => ({ ...f })) }));
      const localFiles = [];
      const digests = new Map<string, Promise<FileDigest>>();
      for (const local of checked.localFiles) {
        const at = `products[${local.productIndex}].files[${local.fileIndex}]`;
        const absolute = path.resolve(baseDir, local.path);
        const stat = await fs.promises.stat(absolute).catch(() => undefined);
        if (!stat?.isFile()) {
          problems.push({ path: `${at}.path`, message: `${local.path} is not a readable file` });
          continue;
        }
        if (!digests.has(absolute)) digests.set(absolute, digestFile(absolute));
        const digest = await digests.get(absolute)!;
        if (local.size !== undefined && local.size !== digest.sizeBytes) problems.push({ path: `${at}.size`, message: `is ${local.size} but the file has ${digest.sizeBytes} bytes` });
        if (local.sha256 !== undefined && local.sha256 !== digest.sha256) problems.push({ path: `${at}.sha256`, message: `does not match the file (${digest.sha256})` });
        Object.assign(products[local.productIndex]!.files[local.fileIndex]!, { storePath: storePathOf(digest.sha256, absolute), sizeBytes: digest.sizeBytes, sha256: digest.sha256 });
        localFiles.push({ ...local, path: absolute });
      }
      if (problems.length > 0) throw new CatalogFileRefused(problems);
      return { ...checked, products, localFiles };
    },

    /**
     * Imports a checked catalog file in the caller's transaction: checks its references to what the
     * database already holds (publishers, categories, operating systems, options, related products),
     * copies its local files into the file store, then writes the master language, publishers,
     * categories, operating systems and products that differ from what is stored. Throws
     * CatalogFileRefused (nothing written) when a reference is broken. A second import of the same
     * file changes nothing.
     */
    async importCatalogFile(tx: Tx, checked: CheckedCatalogFile, actor: string): Promise<ImportSummary> {
      const [publishers, categories, systems] = await Promise.all([listPublisherRecords(tx), listCategoryRecords(tx), listOperatingSystemRecords(tx)]);
      const storedPublishers = new Map(publishers.map((p) => [p.id, p]));
      const storedCategories = new Map(categories.map((c) => [c.id, c]));
      const storedSystems = new Map(systems.map((o) => [o.id, o]));
      const fileRefs = new Map(checked.products.map((p) => [p.ref, p]));
      const outside = [...new Set(checked.products.flatMap((p) => [...p.optionRefs, ...p.crossSellRefs, ...p.upSellRefs]))].filter((ref) => !fileRefs.has(ref));
      const storedOptionKinds = await findOptionKinds(tx, outside);

      const problems: Problem[] = [];
      const publisherIds = new Set([...storedPublishers.keys(), ...checked.publishers.map((p) => p.id)]);
      const categoryIds = new Set([...storedCategories.keys(), ...checked.categories.map((c) => c.id)]);
      const osIds = new Set([...storedSystems.keys(), ...checked.operatingSystems.map((o) => o.id)]);
      checked.products.forEach((p, i) => {
        const at = `products[${i}]`;
        if (!publisherIds.has(p.publisherId)) problems.push({ path: `${at}.publisherId`, message: `publisher ${p.publisherId} is neither in the file nor in the catalog` });
        p.categoryIds.forEach((id, j) => {
          if (!categoryIds.has(id)) problems.push({ path: `${at}.categoryIds[${j}]`, message: `category ${id} is neither in the file nor in the catalog` });
        });
        p.osIds.forEach((id, j) => {
          if (!osIds.has(id)) problems.push({ path: `${at}.osIds[${j}]`, message: `operating system ${id} is neither in the file nor in the catalog` });
        });
        p.optionRefs.forEach((ref, j) => {
          const inFile = fileRefs.get(ref);
          const kind = inFile ? inFile.option?.kind ?? null : storedOptionKinds.get(ref);
          if (kind === undefined) problems.push({ path: `${at}.optionRefs[${j}]`, message: `product ${ref} is neither in the file nor in the catalog` });
          else if (kind === null) problems.push({ path: `${at}.optionRefs[${j}]`, message: `product ${ref} is not an option` });
        });
        for (const key of ['crossSellRefs', 'upSellRefs'] as const) {
          p[key].forEach((ref, j) => {
            if (!fileRefs.has(ref) && !storedOptionKinds.has(ref)) problems.push({ path: `${at}.${key}[${j}]`, message: `product ${ref} is neither in the file nor in the catalog` });
          });
        }
      });
      if (problems.length > 0) throw new CatalogFileRefused(problems);

      for (const local of checked.localFiles) {
        const file = checked.products[local.productIndex]!.files[local.fileIndex]!;
        await store.put(local.path, file.storePath!, { sizeBytes: file.sizeBytes, sha256: file.sha256! });
      }

      const now = clock.now();
      let lookupWrites = 0;
      if (checked.masterLanguage !== null && (await findSetting(tx, MASTER_LANGUAGE_KEY)) !== checked.masterLanguage) {
        lookupWrites += 1;
        await saveSetting(tx, MASTER_LANGUAGE_KEY, checked.masterLanguage);
        await recordAudit(tx, now, { actor, action: 'setting.changed', subject: `setting:${MASTER_LANGUAGE_KEY}`, detail: { value: checked.masterLanguage } });
      }
      for (const publisher of checked.publishers) {
        const stored = storedPublishers.get(publisher.id);
        if (stored && canonicalJson(stored) === canonicalJson(publisher)) continue;
        lookupWrites += 1;
        await savePublisher(tx, publisher, stored !== undefined, now.toISOString());
        await recordAudit(tx, now, { actor, action: stored ? 'publisher.updated' : 'publisher.created', subject: `publisher:${publisher.id}`, detail: { ...publisher } });
      }
      for (const category of checked.categories) {
        const stored = storedCategories.get(category.id);
        if (stored && canonicalJson(stored) === canonicalJson(category)) continue;
        lookupWrites += 1;
        await saveCategory(tx, category, stored !== undefined);
        await recordAudit(tx, now, { actor, action: stored ? 'category.updated' : 'category.created', subject: `category:${category.id}`, detail: { ...category } });
      }
      for (const os of checked.operatingSystems) {
        const stored = storedSystems.get(os.id);
        if (stored && stored.label === os.label) continue;
        lookupWrites += 1;
        await saveOperatingSystem(tx, os, stored !== undefined);
        await recordAudit(tx, now, { actor, action: stored ? 'os.updated' : 'os.created', subject: `os:${os.id}`, detail: { ...os } });
      }

      const summary: ImportSummary = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
      const stored = await storedProducts(tx, checked.products.map((p) => p.ref));
      for (const record of checked.products) {
        const product = stored.get(record.ref);
        await saveProduct(tx, record, product && { record: recordOf(product), fileIds: product.files.map((f) => f.id) }, actor, summary);
      }
      if (lookupWrites + summary.inserted + summary.updated > 0) await bumpCatalogVersion(tx);
      await recordAudit(tx, now, { actor, action: 'catalog.imported', subject: 'catalog', detail: { source: 'catalog file', inserted: summary.inserted, updated: summary.updated, unchanged: summary.unchanged } });
      return summary;
    },

    /**
     * Imports the rows of a CSV catalog in batches, each its own transaction: an existing ref is
     * updated with the columns the file has, a new one inserted; publishers, categories and
     * operating systems a row names are created when missing. A row that cannot be read or breaks a
     * catalog rule is skipped and reported with its line; the others are stored. `onProgress` is
     * called after each committed batch.
     */
    async importCatalogCsv(db: Db, csv: CatalogCsv, options: { actor: string; batchSize?: number; onProgress?: (progress: CsvImportProgress) => void }): Promise<ImportSummary> {
      const { actor } = options;
      const batchSize = options.batchSize ?? DEFAULT_CSV_BATCH;
      const [masterLanguage, publishers, categories, systems] = await Promise.all([getMasterLanguage(db), listPublisherRecords(db), listCategoryRecords(db), listOperatingSystemRecords(db)]);
      const lookup: CatalogLookup = {
        masterLanguage,
        publishers: new Map(publishers.map((p) => [p.id, p])),
        categories: new Map(categories.map((c) => [c.id, c])),
        operatingSystems: new Map(systems.map((o) => [o.id, o])),
      };
      const summary: ImportSummary = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
      let rows = 0;

      const importBatch = async (batch: readonly CsvRecord[]) => {
        const patches: { line: number; patch: CsvPatch }[] = [];
        for (const row of batch) {
          if ('error' in row) {
            summary.rejected.push({ line: row.line, reason: row.error });
            continue;
          }
          const patch = csvPatchOf(csv.columns, row.cells, masterLanguage);
          if ('reason' in patch) summary.rejected.push({ line: row.line, reason: patch.reason });
          else patches.push({ line: row.line, patch });
        }
        await db.transaction().execute(async (tx) => {
          const writesBefore = summary.inserted + summary.updated;
          let lookupWrites = 0;
          const stored = await storedProducts(tx, patches.map((p) => p.patch.ref));
          const current = new Map([...stored].map(([ref, product]) => [ref, { record: recordOf(product), fileIds: product.files.map((f) => f.id) }]));
          for (const { line, patch } of patches) {
            const before = current.get(patch.ref);
            if (patch.removed && !before) {
              summary.unchanged += 1; // nothing to remove
              continue;
            }
            const resolved = resolveRow(lookup, patch);
            if ('reason' in resolved) {
              summary.rejected.push({ line, reason: resolved.reason });
              continue;
            }
            const next = applyCsvPatch(before?.record, patch, resolved);
            if ('reason' in next) {
              summary.rejected.push({ line, reason: next.reason });
              continue;
            }
            const { publishers, categories, operatingSystems } = resolved.changes;
            lookupWrites += publishers.length + categories.length + operatingSystems.length;
            await saveLookupChanges(tx, lookup, resolved.changes, actor);
            await saveProduct(tx, next, before, actor, summary);
            current.set(next.ref, { record: next, fileIds: before?.fileIds ?? [] });
          }
          if (lookupWrites + summary.inserted + summary.updated > writesBefore) await bumpCatalogVersion(tx);
        });
        rows += batch.length;
        options.onProgress?.({ rows, bytes: csv.bytesRead() });
      };

      let batch: CsvRecord[] = [];
      for await (const row of csv.records) {
        batch.push(row);
        if (batch.length >= batchSize) {
          await importBatch(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await importBatch(batch);
      summary.rejected.sort((a, b) => a.line - b.line);
      await db.transaction().execute((tx) => recordAudit(tx, clock.now(), {
        actor, action: 'catalog.imported', subject: 'catalog',
        detail: { source: `csv ${csv.layout}`, inserted: summary.inserted, updated: summary.updated, unchanged: summary.unchanged, rejected: summary.rejected.length },
      }));
      return summary;
    },
  };
}

export type CatalogService = ReturnType<typeof catalogService>;
