export * from './stock.js';
export { OutOfStock, KeysImportInterrupted } from './stock.errors.js';
export { availableUnits, canServeOneUnit, readStockStatuses, stockService, type StockService, type StockDeps, type ClaimedKey } from './stock.service.js';
export type { SealedKeyRow } from './stock.repository.js';
export { DEFAULT_IMPORT_BATCH, type KeyImportCounts, type KeyImportOptions } from './keys-import.service.js';
export { keyFileFormatOf, readKeyFile, type KeyFileFormat } from './key-file.js';
