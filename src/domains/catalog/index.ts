export * from './product.js';
export { findProducts, productOf, findPublishers, bumpCatalogVersion, listCategories, listOperatingSystems, getMasterLanguage, categoryParents, type CategoryLabel, type ProductChildRows } from './catalog.repository.js';
export { catalogService, MASTER_LANGUAGE_KEY, DEFAULT_CSV_BATCH, type CatalogService, type CatalogDeps, type ImportSummary, type RejectedRow, type CsvImportProgress } from './catalog.service.js';
export { CatalogFileRefused } from './catalog.errors.js';
export { CatalogFileSchema, jsonPathOf, type CheckedCatalogFile, type CatalogFileJson } from './catalog-file.js';
export { openCatalogCsv, CSV_LAYOUTS, CSV_CHARSETS, type CsvLayout, type CsvCharset, type CatalogCsv } from './catalog-csv.js';
export { digestFile, fileStore, storePathOf, type FileStore, type FileDigest } from './file-store.js';
export { recordOf, changedAttributes, type ProductRecord, type FileRecord, type Problem } from './product-record.js';
export { catalogReader, type CatalogReader } from './catalog-reader.js';
